import type { AstroClient } from "../api/client";
import {
  emailKey,
  type DagRoleEntry,
  type DeploymentRoleEntry,
  type Team,
  type TeamMember,
  type User,
  type WorkspaceRoleEntry,
} from "../api/schemas";
import { ownEntries } from "../invite/scoped-roles";
import { dagKey, inDagOrder } from "../invite/plan";
import { isOrganizationRole } from "../roles";

export const EXPORT_FORMATS = ["team", "csv", "ts"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format: ExportFormat;
  /** Leave pending invitees out instead of listing them with a `# pending` comment. */
  activeOnly: boolean;
  /** Told after each page: how many users so far, of how many. */
  progress?: (read: number, total: number, pages: number) => void;
  now?: Date;
}

/** Each member's own workspace, Deployment and DAG roles (by user id), and the workspaces' and Deployments' names for comments. */
export interface ScopedAccess {
  roles: Map<string, WorkspaceRoleEntry[]>;
  deploymentRoles: Map<string, DeploymentRoleEntry[]>;
  dagRoles: Map<string, DagRoleEntry[]>;
  names: Map<string, string>;
}

/**
 * The members' own roles below the organization: one walk of the users list per workspace and one per
 * Deployment (its users, role lists filled), then, for each person found there, their Teams, whose
 * grants are left out (a declaration of them would make a Team's grant the person's own).
 */
export async function readScopedAccess(
  client: AstroClient,
  organizationId: string,
  say: (line: string) => void,
  /** Only these users' roles are wanted (export --only): no Teams are read for anyone else. */
  only?: Set<string>,
): Promise<ScopedAccess> {
  const [workspaces, deployments] = await Promise.all([client.listWorkspaces(organizationId), client.listDeployments(organizationId)]);
  const listed = new Map<string, { workspace: WorkspaceRoleEntry[]; deployment: DeploymentRoleEntry[]; dag: DagRoleEntry[] }>();
  const entry = (userId: string) => {
    if (!listed.has(userId)) listed.set(userId, { workspace: [], deployment: [], dag: [] });
    return listed.get(userId)!;
  };
  for (const [i, workspace] of workspaces.entries()) {
    say(`workspace ${i + 1} of ${workspaces.length}: ${workspace.name}`);
    for (const [userId, entries] of await workspaceRoleEntries(client, organizationId, workspace.id)) {
      if (!only || only.has(userId)) entry(userId).workspace.push(...entries);
    }
  }
  for (const [i, deployment] of deployments.entries()) {
    say(`Deployment ${i + 1} of ${deployments.length}: ${deployment.name}`);
    for (const [userId, entries] of await deploymentRoleEntries(client, organizationId, deployment.id)) {
      if (only && !only.has(userId)) continue;
      entry(userId).deployment.push(...entries.deployment);
      entry(userId).dag.push(...entries.dag);
    }
  }
  const access: ScopedAccess = {
    roles: new Map(),
    deploymentRoles: new Map(),
    dagRoles: new Map(),
    names: new Map([...workspaces, ...deployments].map((item) => [item.id, item.name])),
  };
  let checked = 0;
  for (const [userId, entries] of listed) {
    if (++checked % 50 === 0) say(`Teams of ${checked} of ${listed.size} people with roles in workspaces or Deployments read`);
    const teams = await client.getUserTeams(organizationId, userId);
    const keep = <E>(map: Map<string, E[]>, own: E[]) => own.length && map.set(userId, own);
    keep(access.roles, ownEntries("workspace", entries.workspace, teams));
    keep(access.deploymentRoles, ownEntries("deployment", entries.deployment, teams));
    keep(access.dagRoles, ownEntries("dag", entries.dag, teams));
  }
  return access;
}

/** One walk of a workspace's users (role lists filled): each user's entries for that workspace, by user id. */
export async function workspaceRoleEntries(
  client: AstroClient,
  organizationId: string,
  workspaceId: string,
): Promise<Map<string, WorkspaceRoleEntry[]>> {
  const found = new Map<string, WorkspaceRoleEntry[]>();
  for await (const { users } of client.listUsers(organizationId, { workspaceId })) {
    for (const user of users)
      found.set(
        user.id,
        (user.workspaceRoles ?? []).filter((entry) => entry.workspaceId === workspaceId),
      );
  }
  return found;
}

/** Each user with a role on one Deployment: their Deployment and DAG roles there (role lists filled by the filter). */
export async function deploymentRoleEntries(
  client: AstroClient,
  organizationId: string,
  deploymentId: string,
): Promise<Map<string, { deployment: DeploymentRoleEntry[]; dag: DagRoleEntry[] }>> {
  const found = new Map<string, { deployment: DeploymentRoleEntry[]; dag: DagRoleEntry[] }>();
  for await (const { users } of client.listUsers(organizationId, { deploymentId })) {
    for (const user of users)
      found.set(user.id, {
        deployment: (user.deploymentRoles ?? []).filter((entry) => entry.deploymentId === deploymentId),
        dag: (user.dagRoles ?? []).filter((entry) => entry.deploymentId === deploymentId),
      });
  }
  return found;
}

/** A Team with its members' emails, as export declares it. */
export interface ExportedTeam {
  team: Team;
  members: string[];
}

/**
 * Every Team of the organization with its members: one Teams list and one members list per Team, never a
 * read per member. The export and the audit read Teams this one way.
 */
export async function teamsWithMembers(
  client: AstroClient,
  organizationId: string,
  say: (line: string) => void,
): Promise<{ team: Team; members: TeamMember[] }[]> {
  const teams = await client.listTeams(organizationId);
  say(`reading the members of ${teams.length} Teams`);
  return Promise.all(teams.map(async (team) => ({ team, members: await client.listTeamMembers(organizationId, team.id) })));
}

/** Every Team with its members' emails, as export declares them. */
export async function readTeams(client: AstroClient, organizationId: string, say: (line: string) => void): Promise<ExportedTeam[]> {
  const teams = await teamsWithMembers(client, organizationId, say);
  return teams.map(({ team, members }) => ({ team, members: members.map((member) => emailKey(member.username)).sort() }));
}

/** Reads every user of the organization (paced, retried, bounded like every other call). */
export async function readMembers(client: AstroClient, organizationId: string, progress?: ExportOptions["progress"]): Promise<User[]> {
  const users: User[] = [];
  let pages = 0;
  for await (const page of client.listUsers(organizationId)) {
    users.push(...page.users);
    progress?.(users.length, page.totalCount, ++pages);
  }
  return users;
}

/**
 * The organization's members as a declaration this package reads back: a team file (`email ROLE` lines),
 * the same as CSV, or an OrganizationUserInvites program. Sorted by email; pending, inactive and banned
 * users carry a comment saying so; a user without a known organization role is listed as a comment only.
 */
export function renderMembers(
  users: User[],
  organizationId: string,
  options: ExportOptions,
  access: ScopedAccess = { roles: new Map(), deploymentRoles: new Map(), dagRoles: new Map(), names: new Map() },
  teams: ExportedTeam[] = [],
): string {
  const at = (options.now ?? new Date()).toISOString();
  const listed = users
    .filter((user) => !(options.activeOnly && user.status === "PENDING"))
    .sort((a, b) => a.username.localeCompare(b.username));
  const members = listed.map((user) => {
    const workspaces = [...(access.roles.get(user.id) ?? [])].sort((a, b) => a.workspaceId.localeCompare(b.workspaceId));
    const deployments = [...(access.deploymentRoles.get(user.id) ?? [])].sort((a, b) => a.deploymentId.localeCompare(b.deploymentId));
    const dags = [...(access.dagRoles.get(user.id) ?? [])].sort((a, b) => dagKey(a).localeCompare(dagKey(b)));
    const named = [...workspaces.map((e) => e.workspaceId), ...deployments.map((e) => e.deploymentId)].map(
      (id) => `${id}: ${access.names.get(id) ?? "?"}`,
    );
    return {
      email: emailKey(user.username),
      role: user.organizationRole ?? "",
      workspaces,
      deployments,
      dags,
      note: [user.status === "ACTIVE" ? "" : user.status.toLowerCase(), ...named].filter(Boolean).join("; "),
    };
  });
  const withWorkspaces = members.some((member) => member.workspaces.length + member.deployments.length + member.dags.length > 0);
  // The member file's role fields: `ws=ROLE`, `deployment:ID=ROLE`, `dag:ID/DAG=ROLE`, `dagtag:ID/TAG=ROLE`.
  const pairs = (m: (typeof members)[number], separator: string) =>
    [
      ...m.workspaces.map((e) => `${e.workspaceId}=${e.role}`),
      ...m.deployments.map((e) => `deployment:${e.deploymentId}=${e.role}`),
      ...m.dags.map((e) =>
        e.dagId !== undefined ? `dag:${e.deploymentId}/${e.dagId}=${e.role}` : `dagtag:${e.deploymentId}/${e.dagTag}=${e.role}`,
      ),
    ].join(separator);
  const known = members.filter((member) => isOrganizationRole(member.role));
  const unknown = members
    .filter((member) => !isOrganizationRole(member.role))
    .map((m) => `${m.email}: role ${JSON.stringify(m.role)} is not one this package knows; not declared`);
  const header = [
    `Members of Astro organization ${organizationId}, exported ${at} by astro-invites export${options.activeOnly ? " --active-only" : ""}.`,
    `${known.length} member${known.length === 1 ? "" : "s"}${options.activeOnly ? "" : ', pending invitees marked "# pending"'}.`,
    ...unknown,
  ];
  const sortedTeams = [...teams].sort((a, b) => a.team.name.localeCompare(b.team.name));
  const idpNotes = sortedTeams
    .filter(({ team }) => team.isIdpManaged)
    .map(
      ({ team, members }) =>
        `Team "${team.name}" (${team.id}, ${members.length} members) is managed by the identity provider: not declared`,
    );
  if (options.format === "ts") {
    const declaredTeams = sortedTeams.filter(({ team }) => !team.isIdpManaged).map((t) => teamDeclaration(t, organizationId, access.names));
    const workspaceField = (m: (typeof members)[number]) =>
      [
        m.workspaces.length
          ? `, workspaceRoles: { ${m.workspaces.map((e) => `${JSON.stringify(e.workspaceId)}: ${JSON.stringify(e.role)}`).join(", ")} }`
          : "",
        m.deployments.length
          ? `, deploymentRoles: { ${m.deployments.map((e) => `${JSON.stringify(e.deploymentId)}: ${JSON.stringify(e.role)}`).join(", ")} }`
          : "",
        m.dags.length ? `, dagRoles: [${m.dags.map(dagDeclaration).join(", ")}]` : "",
      ].join("");
    const lines = known.map(
      (m) =>
        `    { email: ${JSON.stringify(m.email)}, role: ${JSON.stringify(m.role)}${workspaceField(m)} },${m.note ? ` // ${m.note}` : ""}`,
    );
    return [
      ...[...header, ...idpNotes].map((line) => `// ${line}`),
      `import { OrganizationUserInvites${declaredTeams.length ? ", Team" : ""} } from "pulumi-astro-invites";`,
      "",
      'export const organizationMembers = new OrganizationUserInvites("organization-members", {',
      `  defaults: { organizationId: ${JSON.stringify(organizationId)} },`,
      "  members: [",
      ...lines,
      "  ],",
      "});",
      ...(declaredTeams.length
        ? ["", "// Each Team is adopted as found by its name: `up` sends nothing until the declaration changes.", ...declaredTeams]
        : []),
      "",
    ].join("\n");
  }
  const teamNotes = sortedTeams
    .filter(({ team }) => !team.isIdpManaged)
    .map(({ team }) => `Team "${team.name}" (${team.id}): a member file cannot declare Teams; --format ts declares them`);
  const csv = options.format === "csv";
  const line = (m: (typeof members)[number]) =>
    csv ? `${m.email},${m.role}${withWorkspaces ? `,${pairs(m, ";")}` : ""}` : [m.email, m.role, pairs(m, " ")].filter(Boolean).join(" ");
  return [
    ...[...header, ...teamNotes, ...idpNotes].map((text) => `# ${text}`),
    ...(csv ? [withWorkspaces ? "email,role,workspaces" : "email,role"] : []),
    ...known.map((m) => `${line(m)}${m.note ? ` # ${m.note}` : ""}`),
    "",
  ].join("\n");
}

/** One DAG role as the invite's `dagRoles` declares it. */
function dagDeclaration(entry: DagRoleEntry): string {
  const dag = entry.dagId !== undefined ? `dagId: ${JSON.stringify(entry.dagId)}` : `dagTag: ${JSON.stringify(entry.dagTag)}`;
  return `{ deploymentId: ${JSON.stringify(entry.deploymentId)}, ${dag}, role: ${JSON.stringify(entry.role)} }`;
}

/** One Team as a `new Team(...)` the program can use directly (a workspace's name as a comment). */
function teamDeclaration({ team, members }: ExportedTeam, organizationId: string, names: Map<string, string>): string {
  const slug =
    team.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || team.id;
  const roles = (team.workspaceRoles ?? []).map(
    (entry) =>
      `    ${JSON.stringify(entry.workspaceId)}: ${JSON.stringify(entry.role)},${names.has(entry.workspaceId) ? ` // ${names.get(entry.workspaceId)}` : ""}`,
  );
  const deploymentRoles = (team.deploymentRoles ?? []).map(
    (entry) =>
      `    ${JSON.stringify(entry.deploymentId)}: ${JSON.stringify(entry.role)},${names.has(entry.deploymentId) ? ` // ${names.get(entry.deploymentId)}` : ""}`,
  );
  const dagRoles = inDagOrder(team.dagRoles ?? []).map((entry) => `    ${dagDeclaration(entry)},`);
  return [
    `new Team(${JSON.stringify(`team-${slug}`)}, {`,
    `  organizationId: ${JSON.stringify(organizationId)},`,
    `  name: ${JSON.stringify(team.name)},`,
    ...(team.description ? [`  description: ${JSON.stringify(team.description)},`] : []),
    `  organizationRole: ${JSON.stringify(team.organizationRole ?? "ORGANIZATION_MEMBER")},`,
    ...(roles.length ? ["  workspaceRoles: {", ...roles, "  },"] : []),
    ...(deploymentRoles.length ? ["  deploymentRoles: {", ...deploymentRoles, "  },"] : []),
    ...(dagRoles.length ? ["  dagRoles: [", ...dagRoles, "  ],"] : []),
    `  members: ${JSON.stringify(members)},`,
    "});",
  ].join("\n");
}
