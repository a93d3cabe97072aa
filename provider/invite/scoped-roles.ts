import type { AstroClient } from "../api/client";
import { directoryFor } from "../api/directory";
import { AstroApiError } from "../api/errors";
import type { RoleLists, Team, User } from "../api/schemas";
import { report } from "../log";
import {
  declaredScopes,
  inDagOrder,
  keyed,
  planScopedRemoval,
  planScopedUpdate,
  RoleEntry,
  Scope,
  SCOPE_NAMES,
  ScopedPlan,
  ScopedRoles,
  scopedStates,
  SCOPES,
} from "./plan";
import type { InviteInputs, InviteState } from "./schema";

/**
 * The person's roles below the organization (workspaces, Deployments, DAGs), beside their organization
 * role: the steps of the lifecycle that read and write them. What each step does is the table's (plan.ts:
 * planScopedUpdate, planScopedRemoval), scope by scope; one roles POST carries every scope that changes.
 *
 * Only a person's own grants are the stack's. A user read by id may list what their Teams grant beside
 * their own (astronomer/terraform-provider-astro#152), and the roles POST replaces each list it is sent:
 * sending a Team's grant back would make it the person's own, to outlive their leaving the Team. So every
 * entry one of their Teams grants is left out of what is sent, even if they might also hold it themselves
 * (when in doubt, less privilege).
 *
 * Astro gives someone WORKSPACE_ACCESSOR in a Deployment's workspace when a Deployment or DAG role is
 * granted there and they have no role in it (the reference). That role is Astro's, not drift: it is
 * recorded (workspaceRolesByAstro) and taken away with the last Deployment or DAG role of the stack's in
 * that workspace, unless the stack declares the workspace itself.
 */

type Entries = Record<Scope, RoleEntry[]>;
type Roles = Record<Scope, ScopedRoles>;

/** Fails before anything is sent when a declared workspace or Deployment is not one of the organization's. */
export async function requireScopes(client: AstroClient, inputs: InviteInputs): Promise<void> {
  const directory = directoryFor(client, inputs.organizationId);
  const workspaces = Object.keys(inputs.workspaceRoles);
  if (workspaces.length) {
    const known = await directory.workspaces();
    refuseUnknown(inputs, "workspaceRoles", "workspace", workspaces, known);
  }
  const deployments = [...new Set([...Object.keys(inputs.deploymentRoles), ...inputs.dagRoles.map((entry) => entry.deploymentId)])];
  if (deployments.length) {
    const known = await directory.deployments();
    refuseUnknown(inputs, "deploymentRoles", "Deployment", Object.keys(inputs.deploymentRoles), known);
    refuseUnknown(inputs, "dagRoles", "Deployment", deployments, known);
  }
}

function refuseUnknown(inputs: InviteInputs, field: string, noun: string, ids: string[], known: { id: string; name: string }[]): void {
  const missing = ids.filter((id) => !known.some((item) => item.id === id));
  if (missing.length === 0) return;
  const names = known.map((item) => `${item.id} (${item.name})`).join(", ") || "none";
  throw new Error(
    `Nothing was sent for ${inputs.email}: ${field} names ${missing.join(", ")}, not a ${noun} of organization ` +
      `${inputs.organizationId} (its ${noun}s: ${names})`,
  );
}

/**
 * Create and update: the declared roles applied, the ones no longer declared set back. A pending invitee
 * whom Astro will not give them yet is recorded as waiting for acceptance.
 */
export async function reconcileScopes(client: AstroClient, state: InviteState, inputs: InviteInputs): Promise<InviteState> {
  if (state.userId === "") return state;
  const declared = declaredScopes(inputs);
  const stored = scopedStates(state);
  // Nothing to do by what the stack last saw (a refresh reports drift into it): no reads either.
  const known = SCOPE_NAMES.every((scope) => Object.keys(declared[scope]).every((key) => key in stored[scope].before));
  const quiet = SCOPE_NAMES.every(
    (scope) => planScopedUpdate(scope, stored[scope], stored[scope].roles, declared[scope]).steps.length === 0,
  );
  if (known && quiet) return state;
  const read = await readOwn(client, state);
  if (!read) return state;
  const views = mapScopes((scope) => {
    const fresh = Object.keys(declared[scope]).filter((key) => !(key in stored[scope].before));
    return {
      ...stored[scope],
      before: { ...stored[scope].before, ...Object.fromEntries(fresh.map((key) => [key, read.own[scope][key] ?? ""])) },
    };
  });
  const plans = mapScopes((scope) => planScopedUpdate(scope, views[scope], read.own[scope], declared[scope]));
  const settled = (after: Roles, byAstro: ScopedRoles, deferred: boolean): InviteState => ({
    ...state,
    workspaceRoles: held(only(after.workspace, declared.workspace)),
    workspaceRolesBefore: only(views.workspace.before, declared.workspace),
    deploymentRoles: held(only(after.deployment, declared.deployment)),
    deploymentRolesBefore: only(views.deployment.before, declared.deployment),
    dagRoles: dagList(held(only(after.dag, declared.dag))),
    dagRolesBefore: only(views.dag.before, declared.dag),
    workspaceRolesByAstro: byAstro,
    workspaceRolesDeferred: deferred,
  });
  try {
    const { after, byAstro } = await apply(client, state, read, await withAstrosParents(client, state, read, plans, declared));
    return settled(after, byAstro, false);
  } catch (error) {
    if (refusedWhilePending(error, read.user)) {
      const what = SCOPE_NAMES.filter((scope) => Object.keys(declared[scope]).length > 0).map((scope) => SCOPES[scope].noun);
      await report(
        "info",
        `${state.email} is pending: Astro gives them their ${what.join(", ")} roles once they accept (the next up after that applies them)`,
      );
      return settled(read.own, state.workspaceRolesByAstro, true);
    }
    throw error;
  }
}

/**
 * Delete: every key the stack declared is set back (see planScopedRemoval), and Astro's parents with them.
 * `organizationRole`: the role removal sets (demote, restore), sent in the same roles POST when there is
 * one; `byId`: the removal's lookup, when it was a read by id of this user (role lists filled). Answers
 * whether a POST was sent (then the organization role is set too).
 */
export async function undoScopes(client: AstroClient, state: InviteState, organizationRole?: string, byId?: User): Promise<boolean> {
  const stored = scopedStates(state);
  const declaredAny = SCOPE_NAMES.some((scope) => Object.keys(stored[scope].before).length > 0);
  if (!declaredAny && Object.keys(state.workspaceRolesByAstro).length === 0) return false;
  const read = await readOwn(client, state, byId);
  if (!read) return false;
  const plans = mapScopes((scope) => planScopedRemoval(scope, stored[scope], read.own[scope]));
  const none = mapScopes<ScopedRoles>(() => ({}));
  return (await apply(client, state, read, await withAstrosParents(client, state, read, plans, none), organizationRole)).sent;
}

interface OwnRoles {
  user: User;
  /** Their own roles in each scope (what no Team of theirs grants). */
  own: Roles;
  /** Every entry of the read that is theirs to keep: sent back unchanged. */
  entries: Entries;
}

/**
 * A read by id (role lists filled) and of their Teams, for a write: never a shared list walk. The Teams
 * read needs only the id, so both go at once; `byId` is a read by id the caller just made, used instead.
 */
async function readOwn(client: AstroClient, state: InviteState, byId?: User): Promise<OwnRoles | undefined> {
  const teamsRead = client.getUserTeams(state.organizationId, state.userId);
  const user = byId ?? (await client.getUser(state.organizationId, state.userId));
  if (!user) {
    // Gone: what their Teams were no longer matters, nor whether that read failed.
    teamsRead.catch(() => undefined);
    return undefined;
  }
  const teams = await teamsRead;
  const entries = mapScopes((scope) => ownEntries(scope, (user[SCOPES[scope].list] ?? []) as RoleEntry[], teams));
  return { user, own: mapScopes((scope) => keyed(scope, entries[scope])), entries };
}

/**
 * The plans with Astro's parent roles added: a workspace role Astro added stays while a Deployment or DAG
 * role remains in that workspace after the plans (or the stack declares the workspace), else it goes.
 */
async function withAstrosParents(
  client: AstroClient,
  state: InviteState,
  read: OwnRoles,
  plans: Record<Scope, ScopedPlan>,
  declared: Roles,
): Promise<Record<Scope, ScopedPlan>> {
  const recorded = Object.entries(state.workspaceRolesByAstro);
  if (recorded.length === 0) return plans;
  const deployments = await directoryFor(client, state.organizationId).deployments();
  const workspaceOf = (deploymentId: string | undefined) => deployments.find((deployment) => deployment.id === deploymentId)?.workspaceId;
  const remaining = new Set(
    (["deployment", "dag"] as const).flatMap((scope) =>
      Object.entries(afterPlan(read.own[scope], plans[scope]))
        .filter(([, role]) => role !== "")
        .map(([key]) => workspaceOf(SCOPES[scope].entry(key, "").deploymentId)),
    ),
  );
  const drops = recorded
    .filter(
      ([workspaceId, role]) =>
        !remaining.has(workspaceId) && !(workspaceId in declared.workspace) && read.own.workspace[workspaceId] === role,
    )
    .map(([workspaceId, role]) => ({
      scope: "workspace" as const,
      key: workspaceId,
      from: role,
      to: "",
      reason: `${role} that Astro added for a Deployment or DAG role, the last of which the stack takes away`,
    }));
  return { ...plans, workspace: { ...plans.workspace, steps: [...plans.workspace.steps, ...drops] } };
}

/**
 * One roles POST for all of the plans' steps: in each scope with steps, their own list with the steps
 * applied; beside it the organization role they hold (or `organizationRole`, when a removal sets one).
 * Answers the roles after it, Astro's parents, and whether anything was sent.
 */
async function apply(
  client: AstroClient,
  state: InviteState,
  read: OwnRoles,
  plans: Record<Scope, ScopedPlan>,
  organizationRole?: string,
): Promise<{ after: Roles; byAstro: ScopedRoles; sent: boolean }> {
  for (const scope of SCOPE_NAMES) for (const warning of plans[scope].warnings) await report("warning", warning);
  const lists: RoleLists = {};
  for (const scope of SCOPE_NAMES) {
    const { steps } = plans[scope];
    if (steps.length === 0) continue;
    const stepped = new Set(steps.map((step) => step.key));
    const list = [
      ...read.entries[scope].filter((entry) => !stepped.has(SCOPES[scope].key(entry))),
      ...steps.filter((step) => step.to !== "").map((step) => SCOPES[scope].entry(step.key, step.to)),
    ];
    (lists as Record<string, RoleEntry[]>)[SCOPES[scope].list] = list;
  }
  const byAstro = Object.fromEntries(
    Object.entries(state.workspaceRolesByAstro).filter(
      ([workspaceId]) => !plans.workspace.steps.some((step) => step.key === workspaceId && step.to === ""),
    ),
  );
  if (Object.keys(lists).length === 0) return { after: read.own, byAstro, sent: false };
  const answer = await client.updateUserRoles(state.organizationId, read.user.id, {
    organizationRole: organizationRole ?? read.user.organizationRole ?? state.role,
    ...lists,
  });
  const after = mapScopes((scope) => keyed(scope, (lists as Record<string, RoleEntry[]>)[SCOPES[scope].list] ?? read.entries[scope]));
  // A workspace role in Astro's answer in a workspace the POST did not send (or, sending no workspace
  // list, the read did not show, a Team's grant included) is one Astro added for a Deployment or DAG role.
  const expected = new Set((lists.workspaceRoles ?? read.user.workspaceRoles ?? []).map((entry) => entry.workspaceId));
  for (const entry of answer.workspaceRoles ?? []) {
    if (!expected.has(entry.workspaceId)) byAstro[entry.workspaceId] = entry.role;
  }
  return { after, byAstro, sent: true };
}

/** A scope's roles once its plan is applied. */
const afterPlan = (own: ScopedRoles, plan: ScopedPlan): ScopedRoles => ({
  ...own,
  ...Object.fromEntries(plan.steps.map((step) => [step.key, step.to])),
});

/** Astro's refusal of roles for someone who has not accepted yet: a 400 that names no field. */
function refusedWhilePending(error: unknown, user: User): boolean {
  return user.status === "PENDING" && error instanceof AstroApiError && error.status === 400 && error.fieldErrors.length === 0;
}

/** The one rule for what is a person's own: an entry that one of their Teams grants is the Team's. */
export function ownEntries<E extends RoleEntry>(
  scope: Scope,
  entries: E[],
  teams: Pick<Team, "workspaceRoles" | "deploymentRoles" | "dagRoles">[],
): E[] {
  const key = (entry: RoleEntry) => `${SCOPES[scope].key(entry)}/${entry.role}`;
  const granted = new Set(teams.flatMap((team) => ((team[SCOPES[scope].list] ?? []) as RoleEntry[]).map(key)));
  return entries.filter((entry) => !granted.has(key(entry)));
}

/** DAG roles by key as the invite's `dagRoles` list, in the order check leaves a declaration in. */
const dagList = (roles: ScopedRoles): InviteState["dagRoles"] =>
  inDagOrder(Object.entries(roles).map(([key, role]) => SCOPES.dag.entry(key, role) as InviteState["dagRoles"][number]));

const mapScopes = <T>(each: (scope: Scope) => T): Record<Scope, T> =>
  Object.fromEntries(SCOPE_NAMES.map((scope) => [scope, each(scope)])) as Record<Scope, T>;

const only = (roles: ScopedRoles, declared: ScopedRoles): ScopedRoles =>
  Object.fromEntries(Object.entries(roles).filter(([key]) => key in declared));

/** The roles held: a key where they hold none is absent. */
const held = (roles: ScopedRoles): ScopedRoles => Object.fromEntries(Object.entries(roles).filter(([, role]) => role !== ""));

/**
 * Refresh: the person's roles at the stack's keys, from shared walks (list cost): one users walk per
 * declared workspace, and one per Deployment the stack declares a Deployment or DAG role on. The walks go
 * at once, and need not wait for the person's lookup: the answer picks the person by id from them.
 */
export async function scopedRolesReader(
  client: AstroClient,
  state: InviteState,
): Promise<(userId: string) => Pick<InviteState, "workspaceRoles" | "deploymentRoles" | "dagRoles">> {
  const directory = directoryFor(client, state.organizationId);
  const stored = scopedStates(state);
  const workspaceIds = Object.keys(stored.workspace.before);
  const deploymentIds = [
    ...new Set([
      ...Object.keys(stored.deployment.before),
      ...Object.keys(stored.dag.before).map((key) => SCOPES.dag.entry(key, "").deploymentId!),
    ]),
  ];
  const [workspaceWalks, deploymentWalks] = await Promise.all([
    Promise.all(workspaceIds.map((workspaceId) => directory.workspaceRoles(workspaceId))),
    Promise.all(deploymentIds.map((deploymentId) => directory.deploymentRoles(deploymentId))),
  ]);
  return (userId) => {
    const listed: Entries = {
      workspace: workspaceIds.flatMap((workspaceId, i) =>
        (workspaceWalks[i].get(userId) ?? []).filter((entry) => entry.workspaceId === workspaceId),
      ),
      deployment: deploymentIds.flatMap((deploymentId, i) =>
        (deploymentWalks[i].get(userId)?.deploymentRoles ?? []).filter((entry) => entry.deploymentId === deploymentId),
      ),
      dag: deploymentIds.flatMap((deploymentId, i) =>
        (deploymentWalks[i].get(userId)?.dagRoles ?? []).filter((entry) => entry.deploymentId === deploymentId),
      ),
    };
    const reported = mapScopes((scope) => {
      const found: ScopedRoles = {};
      for (const key of Object.keys(stored[scope].before)) {
        const entries = listed[scope].filter((entry) => SCOPES[scope].key(entry) === key);
        // A read may list a Team's grant beside their own: the one the stack last saw is preferred.
        const role = entries.find((entry) => entry.role === stored[scope].roles[key])?.role ?? entries[0]?.role;
        if (role) found[key] = role;
      }
      return found;
    });
    return { workspaceRoles: reported.workspace, deploymentRoles: reported.deployment, dagRoles: dagList(reported.dag) };
  };
}
