import { domainToASCII } from "node:url";
import { z } from "zod";
import { apiUrlProblem, normalizeApiUrl } from "../api/url";
import {
  DAG_ROLES,
  DEPLOYMENT_ROLES,
  isOrganizationRole,
  OrganizationRole,
  ORGANIZATION_ROLES,
  WORKSPACE_ROLES,
  WorkspaceRole,
} from "../roles";
import { dagKey, inDagOrder } from "./plan";
import { CheckedInputs, DagRole, INPUT_DEFAULTS, INPUT_KEYS, InputKey, InputsSchema, normalizeEmail, UNKNOWN } from "./schema";

/**
 * check: the declared inputs normalized and validated without touching the network, every problem
 * reported at once, each naming its property and what would be valid. The fields are those of the
 * schema; the ones below need more than their schema says (normalizing, the fallback chain, messages
 * that show the valid form); any other field is checked by its schema alone.
 */

/** Values that stand in when an input is not set, and where they came from (named in errors). */
export type InputDefaults = Partial<Record<"organizationId" | "apiUrl", { value: string; source: string }>>;

export interface CheckFailure {
  property: string;
  reason: string;
}

type Validator = (text: string, defaults: InputDefaults) => string | string[];

const VALIDATORS: Partial<Record<InputKey, Validator>> = {
  email: validateEmail,
  role: validateRole,
  organizationId: validateOrganizationId,
  apiUrl: validateApiUrl,
};

/** Fields that are not strings: each validates the declared value (undefined when not set) itself. */
const STRUCTURED: Partial<Record<InputKey, (value: unknown) => Checked>> = {
  workspaceRoles: (value) => fromValidator(validateWorkspaceRoles(value)),
  deploymentRoles: validateDeploymentRoles,
  dagRoles: validateDagRoles,
  teams: validateTeams,
};

/** A structured field's value after check, or what is wrong with it. */
export type Checked = { value: unknown } | { failures: string[] };
/** The validators that answer a value, or a list of what is wrong, as a Checked. */
export const fromValidator = (result: unknown): Checked => (Array.isArray(result) ? { failures: result as string[] } : { value: result });

const MAX_EMAIL_LENGTH = 254;
/**
 * Astro's ids (organizations, workspaces, Deployments, custom roles): cuids. A custom Deployment or DAG
 * role is named by its id, so a misspelt built-in name is never taken for one.
 */
export const ASTRO_CUID = /^c[a-z0-9]{24}$/;
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Each input: preview's unknown passes through; otherwise the declared value, else its fallback (stack
 * config, environment), else its schema default, validated. On failure the inputs hold only what passed.
 */
export function checkInputs(
  news: Record<string, unknown>,
  defaults: InputDefaults,
): { inputs: Partial<CheckedInputs>; failures: CheckFailure[] } {
  const inputs: Record<string, unknown> = {};
  const failures: CheckFailure[] = [];
  for (const key of INPUT_KEYS) {
    const declared = news[key];
    if (declared === UNKNOWN) {
      inputs[key] = UNKNOWN;
      continue;
    }
    const structured = STRUCTURED[key];
    if (structured) {
      const result = structured(declared);
      if ("failures" in result) failures.push(...result.failures.map((reason) => ({ property: key, reason })));
      else inputs[key] = result.value;
      continue;
    }
    if (declared !== undefined && typeof declared !== "string") {
      failures.push({ property: key, reason: `${key} must be a string` });
      continue;
    }
    const value = declared ?? defaults[key as keyof InputDefaults]?.value ?? INPUT_DEFAULTS[key];
    const result = (VALIDATORS[key] ?? bySchema(key))(value === undefined ? "" : String(value), defaults);
    if (Array.isArray(result)) failures.push(...result.map((reason) => ({ property: key, reason })));
    else inputs[key] = result;
  }
  failures.push(...dagRolesWithoutDeploymentRole(inputs));
  return { inputs: inputs as Partial<CheckedInputs>, failures };
}

/**
 * A DAG role needs a Deployment role on its Deployment (Astronomer's Terraform docs require it; whether
 * Astro refuses or fills one in is not known), declared beside it: a role held elsewhere may go away.
 */
export function dagRolesWithoutDeploymentRole(inputs: Record<string, unknown>): CheckFailure[] {
  const { dagRoles, deploymentRoles } = inputs as {
    dagRoles?: DagRole[] | typeof UNKNOWN;
    deploymentRoles?: Record<string, string> | typeof UNKNOWN;
  };
  if (!Array.isArray(dagRoles) || deploymentRoles === undefined || deploymentRoles === UNKNOWN) return [];
  return dagRoles.flatMap((entry, i) =>
    entry.deploymentId in deploymentRoles
      ? []
      : [
          {
            property: "dagRoles",
            reason: `dagRoles[${i}] is on Deployment ${entry.deploymentId}, which deploymentRoles gives no role on: Astro needs one (add ${entry.deploymentId}: "DEPLOYMENT_ADMIN" or a custom Deployment role)`,
          },
        ],
  );
}

/** A field with no validator of its own: its schema decides, and an enum names its values. */
function bySchema(key: InputKey): Validator {
  return (text) => {
    const field = InputsSchema.shape[key];
    if (field.safeParse(text).success) return text;
    const values = field instanceof z.ZodDefault && field.unwrap() instanceof z.ZodEnum ? (field.unwrap() as z.ZodEnum).options : undefined;
    return [
      values
        ? `${key} must be one of [${values.join(", ")}], got ${JSON.stringify(text)}`
        : `${key} is not valid, got ${JSON.stringify(text)}`,
    ];
  };
}

export function validateEmail(value: string): string | string[] {
  const email = normalizeEmail(value);
  const shown = JSON.stringify(value);
  if (email === "") return ["email is required: the invitee's email address, such as jane@example.com"];
  if (email.length > MAX_EMAIL_LENGTH) return [`email must be at most ${MAX_EMAIL_LENGTH} characters, got ${email.length}`];
  const at = email.split("@");
  if (at.length !== 2) return [`email must contain exactly one "@", such as jane@example.com, got ${shown}`];
  const [local, domain] = at;
  if (/\s/.test(email)) return [`email must not contain spaces, got ${shown}`];
  if (/[\u0080-\uffff]/.test(domain)) {
    const ascii = domainToASCII(domain);
    const hint = ascii ? `: ${local}@${ascii}` : " (xn--...)";
    return [`email must give an international domain in its ASCII (punycode) form${hint}, got ${shown}`];
  }
  if (/[\u0080-\uffff]/.test(local))
    return [`email has non-ASCII characters before the "@" (only ASCII addresses are accepted), got ${shown}`];
  if (!LOCAL_PART.test(local) || local.length > 64) {
    return [
      `email has an invalid part before "@" (letters, digits and !#$%&'*+/=?^_\`{|}~.- without leading, trailing or double dots), got ${shown}`,
    ];
  }
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label)) || !/^[a-z]{2,}$/.test(labels[labels.length - 1])) {
    return [`email has an invalid domain after "@" (such as example.com), got ${shown}`];
  }
  return email;
}

export function validateRole(value: string): OrganizationRole | string[] {
  if (isOrganizationRole(value)) return value;
  const hint = isOrganizationRole(value.trim().toUpperCase()) ? ` (roles are upper case: ${value.trim().toUpperCase()})` : "";
  return [`role must be one of [${ORGANIZATION_ROLES.join(", ")}], got ${JSON.stringify(value)}${hint}`];
}

/**
 * Workspace id -> workspace role, one role per workspace (a map cannot say two). During a preview a role
 * not known yet makes the whole map unknown.
 */
export function validateWorkspaceRoles(value: unknown): Record<string, WorkspaceRole> | typeof UNKNOWN | string[] {
  return validateRoleMap(value, "workspaceRoles", "workspace", "WORKSPACE_MEMBER", (workspaceId, role) =>
    (WORKSPACE_ROLES as readonly unknown[]).includes(role)
      ? []
      : [`workspaceRoles.${workspaceId} must be one of [${WORKSPACE_ROLES.join(", ")}], got ${JSON.stringify(role)}`],
  ) as Record<string, WorkspaceRole> | typeof UNKNOWN | string[];
}

const CUID_EXAMPLE = '25 lowercase letters and digits starting with "c", such as clm8t5u4q000008jq4qoc3036';

/**
 * A map of Astro id -> role (workspace or Deployment roles), one role per id: each id a cuid, each role
 * what `roleProblems` accepts. A role not known yet (during a preview) makes the whole map unknown.
 */
function validateRoleMap(
  value: unknown,
  field: string,
  noun: string,
  exampleRole: string,
  roleProblems: (id: string, role: unknown) => string[],
): Record<string, string> | typeof UNKNOWN | string[] {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    return [
      `${field} must be a map of ${noun} id to ${noun} role, such as { clm8t5u4q000008jq4qoc3036: "${exampleRole}" }, got ${JSON.stringify(value)}`,
    ];
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.some(([, role]) => role === UNKNOWN)) return UNKNOWN;
  const problems = entries.flatMap(([id, role]) => [
    ...(ASTRO_CUID.test(id) ? [] : [`${field}: ${JSON.stringify(id)} is not an Astro ${noun} id (${CUID_EXAMPLE})`]),
    ...roleProblems(id, role),
  ]);
  return problems.length ? problems : (Object.fromEntries(entries) as Record<string, string>);
}

/** A Deployment or DAG role: a built-in name, or a custom role's id (a cuid, so a misspelt name is not taken for one). */
function scopedRoleProblem(field: string, role: unknown, builtIn: readonly string[], scope: string): string[] {
  if (typeof role === "string" && (builtIn.includes(role) || ASTRO_CUID.test(role))) return [];
  return [
    `${field} must be one of [${builtIn.join(", ")}] or the id of a custom ${scope} role (${CUID_EXAMPLE}), got ${JSON.stringify(role)}`,
  ];
}

/** Deployment id -> Deployment role, one per Deployment. A role not known yet makes the whole map unknown. */
export function validateDeploymentRoles(value: unknown): Checked {
  return fromValidator(
    validateRoleMap(value, "deploymentRoles", "Deployment", "DEPLOYMENT_ADMIN", (deploymentId, role) =>
      scopedRoleProblem(`deploymentRoles.${deploymentId}`, role, DEPLOYMENT_ROLES, "Deployment"),
    ),
  );
}

/**
 * DAG roles: each on a Deployment, for one DAG (`dagId`) or one tag (`dagTag`), one role per DAG or tag.
 * Kept sorted by what they name (their order means nothing). An entry not known yet makes the list unknown.
 */
export function validateDagRoles(value: unknown): Checked {
  if (value === undefined || value === null) return { value: [] };
  const example = '[{ deploymentId: "clm8t5u4q000008jq4qoc3036", dagTag: "finance", role: "DAG_VIEWER" }]';
  if (!Array.isArray(value))
    return { failures: [`dagRoles must be a list of DAG roles, such as ${example}, got ${JSON.stringify(value)}`] };
  if (value.some((entry) => entry === UNKNOWN || Object.values(entry ?? {}).includes(UNKNOWN))) return { value: UNKNOWN };
  const keys: string[] = [];
  const failures = value.flatMap((entry: unknown, i) => {
    const at = `dagRoles[${i}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry))
      return [`${at} must be a DAG role such as ${example.slice(1, -1)}, got ${JSON.stringify(entry)}`];
    const { deploymentId, dagId, dagTag, role, ...extra } = entry as Record<string, unknown>;
    const problems = [
      ...Object.keys(extra).map((key) => `${at}.${key} is not a field of a DAG role (deploymentId, dagId or dagTag, role)`),
      ...(typeof deploymentId === "string" && ASTRO_CUID.test(deploymentId)
        ? []
        : [`${at}.deploymentId must be an Astro Deployment id (${CUID_EXAMPLE}), got ${JSON.stringify(deploymentId)}`]),
      ...((dagId === undefined) === (dagTag === undefined)
        ? [`${at} must give one of dagId and dagTag, not ${dagId === undefined ? "neither" : "both"}`]
        : []),
      ...[dagId, dagTag].flatMap((name, j) =>
        name === undefined || (typeof name === "string" && name.trim() !== "")
          ? []
          : [`${at}.${j ? "dagTag" : "dagId"} must be a non-empty string, got ${JSON.stringify(name)}`],
      ),
      ...scopedRoleProblem(`${at}.role`, role, DAG_ROLES, "DAG"),
    ];
    const key = dagKey(entry as DagRole);
    if (problems.length === 0 && keys.includes(key))
      problems.push(
        `${at}: ${dagTag === undefined ? `DAG ${String(dagId)}` : `tag ${String(dagTag)}`} of Deployment ${String(deploymentId)} is listed twice (one role each)`,
      );
    keys.push(key);
    return problems;
  });
  if (failures.length) return { failures };
  return { value: inDagOrder(value as DagRole[]) };
}

export function validateOrganizationId(value: string | undefined, defaults: InputDefaults = {}): string | string[] {
  const id = (value ?? "").trim();
  if (id === "") {
    return [
      "organizationId is required: set the organizationId input, the stack config astro:organizationId " +
        "(`pulumi config set astro:organizationId <id>`), or the environment variable ASTRO_ORGANIZATION_ID",
    ];
  }
  if (!ASTRO_CUID.test(id)) {
    const source = defaults.organizationId && defaults.organizationId.value === value ? ` (from ${defaults.organizationId.source})` : "";
    return [
      `organizationId must be an Astro organization id (25 lowercase letters and digits starting with "c", such as clm9t0gbt000108jv4f1cfu8u), got ${JSON.stringify(value)}${source}`,
    ];
  }
  return id;
}

export function validateApiUrl(value: string, defaults: InputDefaults = {}): string | string[] {
  const url = normalizeApiUrl(value);
  const problem = apiUrlProblem(url);
  if (!problem) return url;
  const source = defaults.apiUrl && defaults.apiUrl.value === value ? ` (from ${defaults.apiUrl.source})` : "";
  return [`apiUrl ${problem}${source}`];
}

/** Team names, each given once, kept sorted (their order means nothing); one not known yet makes the list unknown. */
export function validateTeams(value: unknown): Checked {
  if (value === undefined || value === null) return { value: [] };
  if (!Array.isArray(value))
    return { failures: [`teams must be a list of Team names, such as ["Data Platform"], got ${JSON.stringify(value)}`] };
  if (value.some((name) => name === UNKNOWN)) return { value: UNKNOWN };
  const names = value.map((name) => (typeof name === "string" ? name.trim() : name));
  const failures = names.flatMap((name, i) =>
    typeof name !== "string" || name === ""
      ? [`teams[${i}] must be a Team's name, got ${JSON.stringify(value[i])}`]
      : names.indexOf(name) !== i
        ? [`teams[${i}]: ${name} is listed twice`]
        : [],
  );
  return failures.length ? { failures } : { value: (names as string[]).sort() };
}
