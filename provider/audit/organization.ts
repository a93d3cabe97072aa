import type { AstroClient } from "../api/client";
import { AstroApiError } from "../api/errors";
import type { Deployment, Team, TeamMember, User, Workspace } from "../api/schemas";
import { deploymentRoleEntries, teamsWithMembers, workspaceRoleEntries } from "../export/members";
import { RoleEntry, Scope, SCOPE_NAMES } from "../invite/plan";
import { ownEntries } from "../invite/scoped-roles";

/**
 * Everything in an organization that grants access, read at list cost: one walk of the users list, the
 * workspaces and one users walk per workspace, the Deployments and one users walk per Deployment (role
 * lists filled), the Teams and one members walk per Team. Never a read per person. A read the token may
 * not make is said in `notAudited`, never taken for "nobody there".
 */
export interface OrganizationAccess {
  users: User[];
  workspaces: Workspace[];
  deployments: Deployment[];
  /** Each person's own workspace, Deployment and DAG roles (what their Teams grant left out), by user id. */
  ownRoles: Map<string, ScopedEntries>;
  teams: TeamAccess[];
  /** What could not be read, and why: the audit is incomplete. */
  notAudited: string[];
}

/** Roles below the organization, by scope. */
export type ScopedEntries = Record<Scope, RoleEntry[]>;

export interface TeamAccess {
  team: Team;
  members: TeamMember[];
}

export async function readOrganization(
  client: AstroClient,
  organizationId: string,
  say: (line: string) => void,
): Promise<OrganizationAccess> {
  const notAudited: string[] = [];
  /** A read refused for want of a permission is reported, not fatal; anything else is. */
  const permitted = async <T>(what: string, read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof AstroApiError) || (error.status !== 401 && error.status !== 403)) throw error;
      notAudited.push(`${what}: ${error.message}`);
      return undefined;
    }
  };

  say(`reading the users of organization ${organizationId}`);
  const users: User[] = [];
  for await (const page of client.listUsers(organizationId)) users.push(...page.users);

  // Workspaces, Deployments and Teams are independent walks: all go at once, paced by the client.
  const held = new Map<string, ScopedEntries>();
  const add = (userId: string, scope: Scope, entries: RoleEntry[]) => {
    const roles = held.get(userId) ?? { workspace: [], deployment: [], dag: [] };
    roles[scope].push(...entries);
    held.set(userId, roles);
  };
  const [workspaces, deployments, teams] = await Promise.all([
    permitted("workspace roles", async () => {
      const workspaces = await client.listWorkspaces(organizationId);
      say(`reading who has a role in each of ${workspaces.length} workspaces`);
      const listed = await Promise.all(workspaces.map((workspace) => workspaceRoleEntries(client, organizationId, workspace.id)));
      for (const list of listed) for (const [userId, entries] of list) add(userId, "workspace", entries);
      return workspaces;
    }),
    permitted("Deployment and DAG roles", async () => {
      const deployments = await client.listDeployments(organizationId);
      say(`reading who has a role on each of ${deployments.length} Deployments`);
      const listed = await Promise.all(deployments.map((deployment) => deploymentRoleEntries(client, organizationId, deployment.id)));
      for (const list of listed)
        for (const [userId, entries] of list) {
          add(userId, "deployment", entries.deployment);
          add(userId, "dag", entries.dag);
        }
      return deployments;
    }),
    permitted("Teams", () => teamsWithMembers(client, organizationId, say)),
  ]);
  if ((workspaces || deployments) && !teams)
    notAudited.push("whose roles are their own: without the Teams, a Team's grant is counted as the person's");

  const teamsOf = new Map<string, Team[]>();
  for (const { team, members } of teams ?? [])
    for (const member of members) teamsOf.set(member.userId, [...(teamsOf.get(member.userId) ?? []), team]);
  const ownRoles = new Map<string, ScopedEntries>();
  for (const [userId, entries] of held) {
    const own = Object.fromEntries(
      SCOPE_NAMES.map((scope) => [scope, ownEntries(scope, entries[scope], teamsOf.get(userId) ?? [])]),
    ) as ScopedEntries;
    if (SCOPE_NAMES.some((scope) => own[scope].length)) ownRoles.set(userId, own);
  }
  return { users, workspaces: workspaces ?? [], deployments: deployments ?? [], ownRoles, teams: teams ?? [], notAudited };
}
