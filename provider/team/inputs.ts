import { UNKNOWN } from "../invite/schema";
import {
  Checked,
  CheckFailure,
  fromValidator,
  dagRolesWithoutDeploymentRole,
  InputDefaults,
  validateApiUrl,
  validateDagRoles,
  validateDeploymentRoles,
  validateEmail,
  validateOrganizationId,
  validateWorkspaceRoles,
} from "../invite/inputs";
import { isOrganizationRole, ORGANIZATION_ROLES } from "../roles";
import { TEAM_INPUT_DEFAULTS, TEAM_INPUT_KEYS, TeamInputKey, TeamInputs } from "./schema";

/**
 * check for a Team, without the network: each field normalized and validated, every problem reported at
 * once, naming its property and what would be valid. The fields that need more than a type (the same
 * rules as the invite's for emails, role maps and lists, the organization and the URL) have a validator here.
 */
export type CheckedTeamInputs = { [K in TeamInputKey]: TeamInputs[K] | typeof UNKNOWN };

const MAX_NAME_LENGTH = 256;

const fail = (reason: string): Checked => ({ failures: [reason] });

const VALIDATORS: Record<TeamInputKey, (value: unknown, defaults: InputDefaults) => Checked> = {
  name: (value) => {
    if (typeof value !== "string" || value.trim() === "")
      return fail('name is required: the Team\'s name in Astro, such as "Data Platform"');
    const name = value.trim();
    return name.length > MAX_NAME_LENGTH ? fail(`name must be at most ${MAX_NAME_LENGTH} characters, got ${name.length}`) : { value: name };
  },
  description: (value) =>
    value === undefined || typeof value === "string"
      ? { value: value ?? "" }
      : fail(`description must be a string, got ${JSON.stringify(value)}`),
  organizationRole: (value) => {
    if (value === undefined) return { value: TEAM_INPUT_DEFAULTS.organizationRole };
    if (typeof value === "string" && isOrganizationRole(value)) return { value };
    return fail(`organizationRole must be one of [${ORGANIZATION_ROLES.join(", ")}], got ${JSON.stringify(value)}`);
  },
  workspaceRoles: (value) => fromValidator(validateWorkspaceRoles(value)),
  deploymentRoles: validateDeploymentRoles,
  dagRoles: validateDagRoles,
  members: validateMembers,
  organizationId: (value, defaults) =>
    value !== undefined && typeof value !== "string"
      ? fail("organizationId must be a string")
      : fromValidator(validateOrganizationId(value ?? defaults.organizationId?.value, defaults)),
  apiUrl: (value, defaults) =>
    value !== undefined && typeof value !== "string"
      ? fail("apiUrl must be a string")
      : fromValidator(validateApiUrl(value ?? defaults.apiUrl?.value ?? "", defaults)),
};

export function checkTeamInputs(
  news: Record<string, unknown>,
  defaults: InputDefaults,
): { inputs: Partial<CheckedTeamInputs>; failures: CheckFailure[] } {
  const inputs: Record<string, unknown> = {};
  const failures: CheckFailure[] = [];
  for (const key of TEAM_INPUT_KEYS) {
    const checked: Checked = news[key] === UNKNOWN ? { value: UNKNOWN } : VALIDATORS[key](news[key], defaults);
    if ("failures" in checked) failures.push(...checked.failures.map((reason) => ({ property: key, reason })));
    else inputs[key] = checked.value;
  }
  failures.push(...dagRolesWithoutDeploymentRole(inputs));
  return { inputs: inputs as Partial<CheckedTeamInputs>, failures };
}

/** Emails, each valid and listed once; during a preview one not known yet makes the list unknown. */
function validateMembers(value: unknown): Checked {
  if (value === undefined || value === null) return { value: null };
  if (!Array.isArray(value)) return fail(`members must be a list of emails, such as ["jane@example.com"], got ${JSON.stringify(value)}`);
  if (value.some((member) => member === UNKNOWN)) return { value: UNKNOWN };
  const failures: string[] = [];
  const emails: string[] = [];
  value.forEach((member, i) => {
    const email = typeof member === "string" ? validateEmail(member) : [`email must be a string, got ${JSON.stringify(member)}`];
    if (Array.isArray(email)) failures.push(...email.map((reason) => `members[${i}]: ${reason}`));
    else if (emails.includes(email)) failures.push(`members[${i}]: ${email} is listed twice`);
    else emails.push(email);
  });
  return failures.length ? { failures } : { value: emails };
}

/** Inputs that check already validated, as create and update receive them. */
export function checkedTeamInputs(raw: Record<string, unknown>, defaults: InputDefaults = {}): TeamInputs {
  const { inputs, failures } = checkTeamInputs(raw, defaults);
  const unknown = TEAM_INPUT_KEYS.filter((key) => inputs[key] === UNKNOWN);
  if (failures.length === 0 && unknown.length === 0) return inputs as TeamInputs;
  const problems = [...unknown.map((key) => `${key} is not known yet`), ...failures.map((f) => `${f.property}: ${f.reason}`)];
  throw new Error(`The Team's inputs did not come through check: ${problems.join("; ")}`);
}
