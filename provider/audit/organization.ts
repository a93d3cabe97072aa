import type { AstroClient } from "../api/client";
import { AstroApiError } from "../api/errors";
import type { Team, TeamMember, User, Workspace, WorkspaceRoleEntry } from "../api/schemas";
import { teamsWithMembers, workspaceRoleEntries } from "../export/members";
import { ownEntries } from "../invite/scoped-roles";

/**
 * Everything in an organization that grants access, read at list cost: one walk of the users list, the
 * workspaces and one users walk per workspace (role lists filled), the Teams and one members walk per
 * Team. Never a read per person. A read the token may not make is said in `notAudited`, never taken for
 * "nobody there".
 */
export interface OrganizationAccess {
  users: User[];
  workspaces: Workspace[];
  /** Each person's own workspace roles (what their Teams grant left out), by user id. */
  ownWorkspaceRoles: Map<string, WorkspaceRoleEntry[]>;
  teams: TeamAccess[];
  /** What could not be read, and why: the audit is incomplete. */
  notAudited: string[];
}

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

  // Workspaces and Teams are independent walks: both go at once, paced by the client.
  const [workspaceRoles, teams] = await Promise.all([
    permitted("workspace roles", async () => {
      const workspaces = await client.listWorkspaces(organizationId);
      say(`reading who has a role in each of ${workspaces.length} workspaces`);
      const listed = await Promise.all(workspaces.map((workspace) => workspaceRoleEntries(client, organizationId, workspace.id)));
      return { workspaces, entries: mergeEntries(listed) };
    }),
    permitted("Teams", () => teamsWithMembers(client, organizationId, say)),
  ]);
  if (workspaceRoles && !teams)
    notAudited.push("whose workspace roles are their own: without the Teams, a Team's grant is counted as the person's");

  const teamsOf = new Map<string, Team[]>();
  for (const { team, members } of teams ?? [])
    for (const member of members) teamsOf.set(member.userId, [...(teamsOf.get(member.userId) ?? []), team]);
  const ownWorkspaceRoles = new Map<string, WorkspaceRoleEntry[]>();
  for (const [userId, entries] of workspaceRoles?.entries ?? []) {
    const own = ownEntries("workspace", entries, teamsOf.get(userId) ?? []);
    if (own.length) ownWorkspaceRoles.set(userId, own);
  }
  return { users, workspaces: workspaceRoles?.workspaces ?? [], ownWorkspaceRoles, teams: teams ?? [], notAudited };
}

function mergeEntries(lists: Map<string, WorkspaceRoleEntry[]>[]): Map<string, WorkspaceRoleEntry[]> {
  const merged = new Map<string, WorkspaceRoleEntry[]>();
  for (const list of lists) for (const [userId, entries] of list) merged.set(userId, [...(merged.get(userId) ?? []), ...entries]);
  return merged;
}
