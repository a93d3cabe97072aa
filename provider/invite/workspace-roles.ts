import type { AstroClient } from "../api/client";
import { directoryFor } from "../api/directory";
import { AstroApiError } from "../api/errors";
import type { Team, User, WorkspaceRoleEntry } from "../api/schemas";
import { report } from "../log";
import { planScopedRemoval, planScopedUpdate, ScopedPlan, WorkspaceRoles, workspaceState } from "./plan";
import type { InviteInputs, InviteState } from "./schema";

/**
 * The person's workspace roles, beside their organization role: the steps of the lifecycle that read and
 * write them. What each step does is the table's (plan.ts: planScopedUpdate, planScopedRemoval).
 *
 * Only a person's own grants are the stack's. A user read by id may list what their Teams grant beside
 * their own (astronomer/terraform-provider-astro#152), and the roles POST replaces the whole workspace
 * list it is sent: sending a Team's grant back would make it the person's own, to outlive their leaving
 * the Team. So every entry one of their Teams grants is left out of what is sent, even if they might
 * also hold it themselves (when in doubt, less privilege).
 */

/** Fails before anything is sent when a declared workspace is not one of the organization's. */
export async function requireWorkspaces(client: AstroClient, inputs: InviteInputs): Promise<void> {
  const declared = Object.keys(inputs.workspaceRoles);
  if (declared.length === 0) return;
  const known = await directoryFor(client, inputs.organizationId).workspaces();
  const missing = declared.filter((id) => !known.some((workspace) => workspace.id === id));
  if (missing.length === 0) return;
  const names = known.map((workspace) => `${workspace.id} (${workspace.name})`).join(", ") || "none";
  throw new Error(
    `Nothing was sent for ${inputs.email}: workspaceRoles names ${missing.join(", ")}, not a workspace of organization ` +
      `${inputs.organizationId} (its workspaces: ${names})`,
  );
}

/**
 * Create and update: the declared workspace roles applied, the ones no longer declared set back. A
 * pending invitee whom Astro will not give workspace roles yet is recorded as waiting for acceptance.
 */
export async function reconcileWorkspaces(client: AstroClient, state: InviteState, declared: WorkspaceRoles): Promise<InviteState> {
  if (state.userId === "") return state;
  // Nothing to do by what the stack last saw (a refresh reports drift into it): no reads either.
  const allKnown = Object.keys(declared).every((id) => id in state.workspaceRolesBefore);
  if (allKnown && planScopedUpdate("workspace", workspaceState(state), state.workspaceRoles, declared).steps.length === 0) return state;
  const read = await readOwn(client, state);
  if (!read) return state;
  const newlyDeclared = Object.keys(declared).filter((id) => !(id in state.workspaceRolesBefore));
  const before = { ...state.workspaceRolesBefore, ...Object.fromEntries(newlyDeclared.map((id) => [id, read.own[id] ?? ""])) };
  const withBefore = { ...state, workspaceRolesBefore: before };
  const plan = planScopedUpdate("workspace", workspaceState(withBefore), read.own, declared);
  const settled = (roles: WorkspaceRoles, deferred: boolean): InviteState => ({
    ...withBefore,
    workspaceRoles: held(only(roles, Object.keys(declared))),
    workspaceRolesBefore: only(before, Object.keys(declared)),
    workspaceRolesDeferred: deferred,
  });
  try {
    const after = await apply(client, state, read, plan);
    return settled(after, false);
  } catch (error) {
    if (refusedWhilePending(error, read.user)) {
      await report(
        "info",
        `${state.email} is pending: Astro gives them their workspace roles once they accept (the next up after that applies them)`,
      );
      return settled(read.own, true);
    }
    throw error;
  }
}

/** Delete: every workspace the stack declared is set back (see planScopedRemoval). */
export async function undoWorkspaces(client: AstroClient, state: InviteState): Promise<void> {
  if (Object.keys(state.workspaceRolesBefore).length === 0) return;
  const read = await readOwn(client, state);
  if (!read) return;
  await apply(client, state, read, planScopedRemoval("workspace", workspaceState(state), read.own));
}

interface OwnRoles {
  user: User;
  /** Their own roles by workspace (what no Team of theirs grants). */
  own: WorkspaceRoles;
  /** Every entry of the read that is theirs to keep: sent back unchanged. */
  entries: WorkspaceRoleEntry[];
}

/** A read by id (role lists filled) and of their Teams, for a write: never a shared list walk. */
async function readOwn(client: AstroClient, state: InviteState): Promise<OwnRoles | undefined> {
  const user = await client.getUser(state.organizationId, state.userId);
  if (!user) return undefined;
  const entries = await withoutTeamGrants(client, state.organizationId, user.id, user.workspaceRoles ?? []);
  return { user, own: Object.fromEntries(entries.map((entry) => [entry.workspaceId, entry.role])), entries };
}

/** One roles POST for all of a plan's steps: their own list with the steps applied, and the organization role they hold. */
async function apply(client: AstroClient, state: InviteState, read: OwnRoles, plan: ScopedPlan): Promise<WorkspaceRoles> {
  for (const warning of plan.warnings) await report("warning", warning);
  if (plan.steps.length === 0) return read.own;
  const stepped = new Set(plan.steps.map((step) => step.key));
  const list = [
    ...read.entries.filter((entry) => !stepped.has(entry.workspaceId)),
    ...plan.steps.filter((step) => step.to !== "").map((step) => ({ workspaceId: step.key, role: step.to })),
  ];
  await client.updateUserRoles(state.organizationId, read.user.id, {
    organizationRole: read.user.organizationRole ?? state.role,
    workspaceRoles: list,
  });
  return Object.fromEntries(list.map((entry) => [entry.workspaceId, entry.role]));
}

/** Astro's refusal of workspace roles for someone who has not accepted yet: a 400 that names no field. */
function refusedWhilePending(error: unknown, user: User): boolean {
  return user.status === "PENDING" && error instanceof AstroApiError && error.status === 400 && error.fieldErrors.length === 0;
}

/** The entries of a read that are the person's own: every entry one of their Teams grants left out. */
export async function withoutTeamGrants(
  client: AstroClient,
  organizationId: string,
  userId: string,
  entries: WorkspaceRoleEntry[],
): Promise<WorkspaceRoleEntry[]> {
  return ownEntries(entries, await client.getUserTeams(organizationId, userId));
}

/** The one rule for what is a person's own: an entry that one of their Teams grants is the Team's. */
export function ownEntries(entries: WorkspaceRoleEntry[], teams: Pick<Team, "workspaceRoles">[]): WorkspaceRoleEntry[] {
  const key = (entry: WorkspaceRoleEntry) => `${entry.workspaceId}/${entry.role}`;
  const granted = new Set(teams.flatMap((team) => (team.workspaceRoles ?? []).map(key)));
  return entries.filter((entry) => !granted.has(key(entry)));
}

const only = (roles: WorkspaceRoles, ids: string[]): WorkspaceRoles =>
  Object.fromEntries(Object.entries(roles).filter(([id]) => ids.includes(id)));

/** The roles held: a workspace where they hold none is absent. */
const held = (roles: WorkspaceRoles): WorkspaceRoles => Object.fromEntries(Object.entries(roles).filter(([, role]) => role !== ""));

/** Refresh: the person's roles in the stack's workspaces, from one shared walk per workspace (list cost). */
export async function reportedWorkspaceRoles(client: AstroClient, state: InviteState, user: User): Promise<WorkspaceRoles> {
  const reported: WorkspaceRoles = {};
  for (const workspaceId of Object.keys(state.workspaceRolesBefore)) {
    const entries = ((await directoryFor(client, state.organizationId).workspaceRoles(workspaceId)).get(user.id) ?? []).filter(
      (entry) => entry.workspaceId === workspaceId,
    );
    // A read may list a Team's grant beside their own: the one the stack last saw is preferred.
    const role = entries.find((entry) => entry.role === state.workspaceRoles[workspaceId])?.role ?? entries[0]?.role;
    if (role) reported[workspaceId] = role;
  }
  return reported;
}
