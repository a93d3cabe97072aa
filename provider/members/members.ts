import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { OrganizationRole, WorkspaceRole } from "../roles";
import {
  validateDagRoles,
  validateDeploymentRoles,
  validateEmail,
  validateRole,
  validateTeams,
  validateWorkspaceRoles,
} from "../invite/inputs";
import { DagRole, normalizeEmail } from "../invite/schema";

/** One person of a member declaration, validated, and where it was declared (for error messages). */
export interface TeamMember {
  email: string;
  role: OrganizationRole;
  /** `team.txt:7` or `members[6]`. */
  source: string;
  /** Earlier declarations of this person's invite (see DeclaredMember). */
  aliases: string[];
  /** Workspace id -> role, as the invite's `workspaceRoles`. */
  workspaceRoles: Record<string, WorkspaceRole>;
  /** Deployment id -> role, as the invite's `deploymentRoles`. */
  deploymentRoles: Record<string, string>;
  /** As the invite's `dagRoles`. */
  dagRoles: DagRole[];
  /** Astro Teams they join, by name, as the invite's `teams`. */
  teams: string[];
}

export interface DeclaredMember {
  email: string;
  role?: string;
  /**
   * Where this person's invite was declared before it moved into this team, so that Pulumi moves its record
   * instead of creating a new invite and deleting the old one: the name of an `OrganizationUserInvite`
   * declared at the program's top level (`"jane"`), or the full URN of the earlier resource.
   */
  aliases?: string[];
  /** Workspace id -> workspace role, as the invite's `workspaceRoles` (merged over the team's defaults). */
  workspaceRoles?: Record<string, string>;
  /** Deployment id -> Deployment role, as the invite's `deploymentRoles` (merged over the team's defaults). */
  deploymentRoles?: Record<string, string>;
  /** As the invite's `dagRoles` (beside the defaults', replacing a default for the same DAG or tag). */
  dagRoles?: DagRole[];
  /** Astro Teams they join, by name (beside the defaults' teams). */
  teams?: string[];
}

/** At most this many problems are listed; a file of 100k bad lines gets a readable message. */
const MAX_LISTED_PROBLEMS = 50;

/** A member declaration that cannot be used; the message lists every problem (up to 50), each with its place. */
export class TeamDeclarationError extends Error {
  constructor(readonly problems: string[]) {
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
    const more = problems.length > listed.length ? [`and ${problems.length - listed.length} more`] : [];
    super(
      `The member declaration has ${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was sent:\n  ${[...listed, ...more].join("\n  ")}`,
    );
    this.name = "TeamDeclarationError";
  }
}

/**
 * Reads a member file: the format Astronomer's docs loop the CLI over (one `email ROLE` per line, ROLE
 * optional, blank lines and `#` comments allowed, also after a line's fields), or CSV with an
 * `email,role` header. CRLF line endings and a byte-order mark are fine. Workspace roles follow as
 * `WORKSPACE_ID=ROLE` fields (`email ROLE ws=ROLE ws=ROLE`), Deployment roles as
 * `deployment:DEPLOYMENT_ID=ROLE`, DAG roles as `dag:DEPLOYMENT_ID/DAG_ID=ROLE` or
 * `dagtag:DEPLOYMENT_ID/TAG=ROLE`; in CSV, the same fields in a third `workspaces` column, separated by
 * `;` or spaces.
 */
export function readTeamFile(path: string, defaultRole: OrganizationRole): TeamMember[] {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new TeamDeclarationError([`${path}: file not found (looked for ${absolute})`]);
  if (statSync(absolute).isDirectory())
    throw new TeamDeclarationError([`${path}: is a directory; name the member file inside it (looked at ${absolute})`]);
  return parseTeamFile(decodeTeamFile(readFileSync(absolute), path), path, defaultRole);
}

/** The file's text, if it is UTF-8 (a BOM is fine); other encodings are named rather than misread. */
function decodeTeamFile(bytes: Buffer, path: string): string {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  if (utf16) throw new TeamDeclarationError([`${path}: is UTF-16 encoded (it starts with a UTF-16 byte-order mark); save it as UTF-8`]);
  if (bytes.includes(0))
    throw new TeamDeclarationError([
      `${path}: contains NUL bytes, so it is not a UTF-8 text file (UTF-16 without a byte-order mark, or binary); save it as UTF-8`,
    ]);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new TeamDeclarationError([`${path}: is not valid UTF-8 text; save it as UTF-8`]);
  }
}

export function parseTeamFile(text: string, name: string, defaultRole: OrganizationRole): TeamMember[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const entries: Entry[] = [];
  const problems: Problem[] = [];
  let csv: boolean | undefined;
  let csvColumns = 2;
  lines.forEach((raw, index) => {
    // A "#" after whitespace starts a comment (`ada@example.com ORGANIZATION_OWNER # pending`); inside an
    // address it is a valid character.
    const line = raw.replace(/\s+#.*$/, "").trim();
    const source = `${name}:${index + 1}`;
    if (line === "" || line.startsWith("#")) return;
    if (csv === undefined) {
      const header = /^email\s*,\s*role(\s*,\s*workspaces)?$/i.exec(line);
      csv = header !== null;
      csvColumns = header?.[1] ? 3 : 2;
      if (csv) return;
    }
    const parsed = csv ? csvFields(line, csvColumns) : plainFields(line);
    if (!parsed) {
      const shape = csv ? (csvColumns === 3 ? "email,role,workspaces" : "email,role") : "email ROLE WORKSPACE_ID=ROLE ...";
      problems.push({ order: index, text: `${source}: expected "${shape}", got ${JSON.stringify(line)}` });
      return;
    }
    entries.push({ declared: parsed, source, order: index });
  });
  const members = validateMembers(entries, defaultRole, problems);
  if (members.length === 0 && problems.length === 0)
    problems.push({ order: 0, text: `${name}: no members declared (the file has no email lines)` });
  throwIfAny(problems);
  return members;
}

/**
 * `email [ROLE] [ws=ROLE ...] [deployment:ID=ROLE ...] [dag:ID/DAG=ROLE ...] [dagtag:ID/TAG=ROLE ...]
 * [team:NAME ...]`: a field starting `team:` is an Astro Team to join (`team:"Data Platform"` for a name
 * with spaces), one with "=" a role below the organization (roleFields), the one left (after the email)
 * the role.
 */
function plainFields(line: string): DeclaredMember | undefined {
  const [email = "", ...rest] = line.match(/team:"[^"]*"|\S+/g) ?? [];
  const teams = rest.filter((field) => field.startsWith("team:")).map((field) => field.slice("team:".length).replace(/^"(.*)"$/, "$1"));
  const others = rest.filter((field) => !field.startsWith("team:"));
  const roles = others.filter((field) => !field.includes("="));
  if (roles.length > 1 || (roles.length === 1 && others[0] !== roles[0])) return undefined;
  return { email, role: roles[0], ...roleFields(others.filter((field) => field.includes("="))), ...(teams.length ? { teams } : {}) };
}

/** `email,role[,workspaces]`, the third column's role fields separated by ";" or spaces. */
function csvFields(line: string, columns: number): DeclaredMember | undefined {
  const fields = line.split(",").map((field) => field.trim());
  if (fields.length !== columns) return undefined;
  const workspaces = (fields[2] ?? "").split(/[;\s]+/).filter(Boolean);
  return { email: fields[0], role: fields[1] || undefined, ...roleFields(workspaces) };
}

/** The prefixes of role fields below the workspace, each with the declaration it adds to. */
const SCOPED_FIELDS = ["deployment:", "dag:", "dagtag:"] as const;

/**
 * `KEY=ROLE` fields: `ws=ROLE` a workspace role, `deployment:ID=ROLE` a Deployment role, `dag:ID/DAG=ROLE`
 * and `dagtag:ID/TAG=ROLE` DAG roles. A key given twice is kept as a problem for validateMembers.
 */
function roleFields(fields: string[]): Pick<DeclaredMember, "workspaceRoles" | "deploymentRoles" | "dagRoles"> & { repeated?: string[] } {
  if (fields.length === 0) return {};
  const pairs = fields.map((field) => [field.slice(0, field.indexOf("=")), field.slice(field.indexOf("=") + 1)]);
  const repeated = pairs.map(([key]) => key).filter((key, i, keys) => keys.indexOf(key) !== i);
  const prefixed = (prefix: (typeof SCOPED_FIELDS)[number]) =>
    pairs.filter(([key]) => key.startsWith(prefix)).map(([key, role]) => [key.slice(prefix.length), role]);
  const dag = (prefix: "dag:" | "dagtag:", name: "dagId" | "dagTag") =>
    prefixed(prefix).map(([key, role]) => ({ deploymentId: key.split("/")[0], [name]: key.slice(key.indexOf("/") + 1), role }) as DagRole);
  const workspaces = pairs.filter(([key]) => !SCOPED_FIELDS.some((prefix) => key.startsWith(prefix)));
  const deployments = prefixed("deployment:");
  const dags = [...dag("dag:", "dagId"), ...dag("dagtag:", "dagTag")];
  return {
    ...(workspaces.length ? { workspaceRoles: Object.fromEntries(workspaces) } : {}),
    ...(deployments.length ? { deploymentRoles: Object.fromEntries(deployments) } : {}),
    ...(dags.length ? { dagRoles: dags } : {}),
    ...(repeated.length ? { repeated } : {}),
  };
}

/** Validates members declared inline; their places are named `members[i]`. */
export function checkMembers(declared: DeclaredMember[], defaultRole: OrganizationRole): TeamMember[] {
  const problems: Problem[] = [];
  const members = validateMembers(
    declared.map((member, i) => ({ declared: member, source: `members[${i}]`, order: i })),
    defaultRole,
    problems,
  );
  throwIfAny(problems);
  return members;
}

interface Entry {
  declared: DeclaredMember & { repeated?: string[] };
  source: string;
  /** Position in the declaration, so that problems are listed in file order. */
  order: number;
}

interface Problem {
  order: number;
  text: string;
}

function throwIfAny(problems: Problem[]): void {
  if (problems.length) throw new TeamDeclarationError([...problems].sort((a, b) => a.order - b.order).map((p) => p.text));
}

function validateMembers(entries: Entry[], defaultRole: OrganizationRole, problems: Problem[]): TeamMember[] {
  const members: TeamMember[] = [];
  const firstSeen = new Map<string, string>();
  for (const { declared, source, order } of entries) {
    const email = validateEmail(declared.email ?? "");
    const role = validateRole(declared.role ?? defaultRole);
    const aliases: unknown = declared.aliases ?? [];
    const badAliases =
      !Array.isArray(aliases) || aliases.some((alias) => typeof alias !== "string" || alias.trim() === "")
        ? [`aliases must be a list of earlier resource names or URNs, got ${JSON.stringify(declared.aliases)}`]
        : [];
    const workspaceRoles = validateWorkspaceRoles(declared.workspaceRoles);
    const deploymentRoles = validateDeploymentRoles(declared.deploymentRoles);
    const dagRoles = validateDagRoles(declared.dagRoles);
    const teams = validateTeams(declared.teams);
    const repeated = (declared.repeated ?? []).map((key) =>
      SCOPED_FIELDS.some((prefix) => key.startsWith(prefix))
        ? `${key} is given two roles; a person has one role there`
        : `workspace ${key} is given two roles; a person has one role per workspace`,
    );
    const found = [
      ...(Array.isArray(email) ? email : []),
      ...(Array.isArray(role) ? role : []),
      ...badAliases,
      ...(Array.isArray(workspaceRoles) ? workspaceRoles : []),
      ...("failures" in deploymentRoles ? deploymentRoles.failures : []),
      ...("failures" in dagRoles ? dagRoles.failures : []),
      ...("failures" in teams ? teams.failures : []),
      ...repeated,
    ];
    if (found.length) {
      problems.push(...found.map((problem) => ({ order, text: `${source}: ${problem}` })));
      continue;
    }
    const normalized = normalizeEmail(email as string);
    const earlier = firstSeen.get(normalized);
    if (earlier) {
      problems.push({ order, text: `${source}: ${normalized} is declared twice (also at ${earlier}); emails are compared ignoring case` });
      continue;
    }
    firstSeen.set(normalized, source);
    members.push({
      email: normalized,
      role: role as OrganizationRole,
      source,
      aliases: aliases as string[],
      workspaceRoles: workspaceRoles as Record<string, WorkspaceRole>,
      deploymentRoles: "value" in deploymentRoles ? (deploymentRoles.value as Record<string, string>) : {},
      dagRoles: "value" in dagRoles ? (dagRoles.value as DagRole[]) : [],
      teams: "value" in teams ? (teams.value as string[]) : [],
    });
  }
  return members;
}
