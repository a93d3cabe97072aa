import type { User } from "../api/schemas";
import { DEFAULT_ROLE } from "../roles";
import { InviteInputs, InviteState, needsResend } from "./schema";

/**
 * The semantics table: what a step does to a person, decided from what the stack recorded of them,
 * what a lookup just saw (or that none was made), and what the program declares. The lifecycle's steps
 * act on the plan; `astro-invites review` says it. Neither decides anything the table does not.
 */

/** Each action, with what it means: the README's table of review actions is this list. */
export const ACTION_MEANINGS = {
  invite: "someone new to the stack, or no longer in the organization: an invite is sent (adopted instead if already an active member)",
  record: "an earlier create's outcome was unknown: the person is looked up and recorded with the declared role, invited only if not found",
  "change-role": "an accepted member's role changes (from → to), through the roles endpoint",
  reinvite: "a pending invite re-sent: with a new role, or because it expired (with the expiry) or was revoked",
  rehost: "the API URL changes: the person is looked up at the new host and invited there if absent",
  revoke: "a pending invite withdrawn (removed from the program)",
  demote: 'an accepted member set to `ORGANIZATION_MEMBER` on removal (`onDelete: "demote"`)',
  restore: "an adopted member (one before the stack) set back to the role they had before, while they hold the one the stack set",
  leave:
    'removed from the program but left as is (`onDelete: "keep"`, already a member, an adopted member at their old role or changed outside the stack since, or an invite whose id the stack never got)',
  move: "email or organization changed: the old invite revoked (or member demoted), the new one sent",
  handover:
    "the same person declared by another resource of the stack, moved or renamed where neither the program nor `aliases` paired the two: nothing revoked or demoted, the new resource records them as it finds them",
  workspace:
    "a workspace role of the person's own granted, changed or removed (workspace: from → to), beside their organization role; roles through Teams and workspaces the stack never declared are left alone",
  deployment:
    "a Deployment role of the person's own granted, changed or removed (Deployment: from → to); Astro may add WORKSPACE_ACCESSOR in its workspace, which leaves with it; roles through Teams and Deployments the stack never declared are left alone",
  dag: "a DAG role of the person's own, on one DAG or DAG tag of a Deployment, granted, changed or removed (from → to)",
  team: "the person joins or leaves a Team named in their `teams` (team: joins → NAME, or NAME → leaves); they gain or lose what it grants, which the review knows only for a Team declared in the same stack",
} as const;
export type Action = keyof typeof ACTION_MEANINGS;
export const ACTIONS = Object.keys(ACTION_MEANINGS) as Action[];

/** A planned step for one person. `toRole` is the role they hold, or are invited to, once it is done. */
export interface Plan {
  action: Action;
  toRole: string | null;
  reason: string;
  /** What the step says in the CLI's output when it cannot do what a reader would expect. */
  warning?: string;
}

/** A plan made from the stored state alone, as the review must (it reads a preview, never the API). */
export const UNREAD = "unread";
/** What a lookup found: the user, undefined for no one, or UNREAD when no lookup was made. */
export type Seen = User | undefined | typeof UNREAD;

/** What the program declares, as far as the table needs it. */
export type Declared = Pick<InviteInputs, "role" | "apiUrl">;

/** update: reconcile the person with the declaration. Undefined: nothing to send. */
export function planUpdate(stored: InviteState, seen: Seen, declared: Declared, now: Date = new Date()): Plan | undefined {
  const to = (action: Action, reason: string): Plan => ({ action, toRole: declared.role, reason });
  if (seen === UNREAD && stored.apiUrl !== declared.apiUrl) {
    return to(
      "rehost",
      `API URL ${stored.apiUrl} -> ${declared.apiUrl}: the person is looked up at ${declared.apiUrl}; absent there, they are invited as ${declared.role}, else given that role`,
    );
  }
  if (seen === undefined) return to("invite", "no longer in the organization: an invite is sent");
  if (stored.status === "UNCONFIRMED") {
    return to("record", "an earlier create's outcome was unknown: the person is looked up, and invited only if not found");
  }
  const current = seen === UNREAD ? stored : observe(stored, seen);
  if (needsResend(current, now)) {
    return stored.status === "REVOKED"
      ? to("reinvite", "revoked by an earlier re-send that failed half way: a new invite is sent")
      : to("reinvite", `expired at ${current.expiresAt || "an unknown time"}: a new invite is sent`);
  }
  if (current.role === declared.role) return undefined;
  if (current.status === "PENDING" && current.inviteId !== "") {
    return to("reinvite", "role changed while pending: the invite is revoked and sent again with the new role");
  }
  return to("change-role", "role changed through the roles endpoint, no new invite");
}

/**
 * delete (the declaration removed, or destroy): undo what the stack did, and no more. `claimed`: another
 * resource of the stack recorded the same person in this operation (the old half of a move).
 */
export function planRemoval(stored: InviteState, seen: Seen, claimed = false): Plan {
  const to = (action: Action, toRole: string | null, reason: string): Plan => ({ action, toRole, reason });
  if (claimed) return planHandover(stored);
  if (seen === undefined) return to("leave", null, "no longer in the organization: nothing to undo");
  const current = seen === UNREAD ? stored : observe(stored, seen);
  if (stored.adopted) return planAdoptedRemoval(stored, current);
  const pending = current.status === "PENDING" || current.status === "EXPIRED" || current.status === "REVOKED";
  if (pending && current.inviteId !== "") return to("revoke", null, "removed from the program: the pending invite is revoked");
  if (stored.status === "REVOKED" && seen === UNREAD) return to("leave", null, "no live invite to revoke");
  if (pending) {
    return {
      ...to(
        "leave",
        current.role,
        "the invite's id never reached the stack: it cannot be revoked through the API (revoke it in the Astro UI)",
      ),
      warning:
        `The pending invite for ${stored.email} was not revoked: its id never reached this stack (the API's answer ` +
        `was lost, or it was sent outside the stack), and the Astro API cannot revoke an invite without it. ` +
        `Revoke it in the Astro UI. If ${stored.email} accepts it, they join as ${current.role}.`,
    };
  }
  if (current.onDelete === "keep") return to("leave", current.role, 'onDelete "keep": the member keeps their role');
  if (current.role === DEFAULT_ROLE) return to("leave", current.role, `already ${DEFAULT_ROLE}`);
  return to("demote", DEFAULT_ROLE, `removed from the program: set to ${DEFAULT_ROLE} (onDelete "demote")`);
}

/** The old declaration of a person that another resource now declares: it writes nothing, and says what the new one lacks. */
function planHandover(stored: InviteState): Plan {
  const lost =
    stored.status === "PENDING" && stored.inviteId !== ""
      ? `the new resource has no id for the live invite ${stored.inviteId}, so a later destroy cannot revoke it`
      : stored.status === "ACTIVE" && !stored.adopted
        ? `the new resource recorded them as adopted at ${stored.role}, a role this stack granted, so a later destroy leaves it`
        : "";
  return {
    action: "handover",
    toRole: stored.role,
    reason: "declared by another resource of the stack now (moved or renamed, and not paired with this record): handed over, nothing sent",
    warning: lost
      ? `${stored.email} is declared by another resource of this stack now and was handed over as is; ${lost}. ` +
        "Declaring the move with `aliases` (per member of an OrganizationUserInvites, or on the renamed resource) keeps the stack's record of them."
      : undefined,
  };
}

/** An adopted member: what we found, we leave as we found it; only the stack's own change is undone. */
function planAdoptedRemoval(stored: InviteState, current: InviteState): Plan {
  const { roleBefore } = stored;
  const leave = (reason: string, warning?: string): Plan => ({ action: "leave", toRole: current.role, reason, warning });
  if (stored.onDelete === "keep") return leave('adopted, onDelete "keep": the member keeps their role');
  if (roleBefore === "") {
    return leave(
      "adopted by a version that did not record their role before the stack: left as is",
      `${stored.email} was adopted by an earlier pulumi-astro-invites, which did not record the role they had before ` +
        `the stack; they are left as ${current.role}. If the stack raised them, set their role in the Astro UI.`,
    );
  }
  if (current.role === roleBefore) return leave(`adopted as ${roleBefore}, the role they hold: left as is`);
  if (current.role !== stored.role) {
    const reason = `adopted as ${roleBefore}; their role was changed outside the stack since (now ${current.role}): left alone`;
    return leave(reason, `${stored.email}: ${reason}.`);
  }
  return { action: "restore", toRole: roleBefore, reason: `adopted (${roleBefore} before the stack): set back to ${roleBefore}` };
}

/** create: the person is new to the stack. */
export function planCreate(declared: Declared): Plan {
  return {
    action: "invite",
    toRole: declared.role,
    reason: "new to the stack: an invite is sent (adopted instead if already an active member)",
  };
}

/** The state as the real user shows it now. */
export function observe(state: InviteState, user: User): InviteState {
  const expired = user.status === "PENDING" && needsResend(state);
  return { ...state, userId: user.id, role: user.organizationRole ?? state.role, status: expired ? "EXPIRED" : user.status };
}

// ---- roles below the organization: workspaces, Deployments, DAGs ------------------------------------

/** One entry of an API role list (workspace, Deployment or DAG): which ids it has depends on the list. */
export interface RoleEntry {
  role: string;
  workspaceId?: string;
  deploymentId?: string;
  dagId?: string;
  dagTag?: string;
}

/** A DAG role's key in the DAG scope: its Deployment and the DAG or tag it names. */
export const dagKey = (entry: Omit<RoleEntry, "role">): string =>
  `${entry.deploymentId}/${entry.dagId === undefined ? `tag:${entry.dagTag}` : `dag:${entry.dagId}`}`;

/**
 * DAG roles in the one order check and state keep them in (by key, in code points: a locale-aware order
 * differs between machines), so that equal lists compare equal.
 */
export const inDagOrder = <E extends Omit<RoleEntry, "role">>(entries: E[]): E[] =>
  [...entries].sort((a, b) => (dagKey(a) < dagKey(b) ? -1 : dagKey(a) > dagKey(b) ? 1 : 0));

/** The DAG role entry a key names (the inverse of dagKey). */
function dagEntry(key: string, role: string): RoleEntry {
  const [deploymentId, name] = [key.slice(0, key.indexOf("/")), key.slice(key.indexOf("/") + 1)];
  return name.startsWith("dag:") ? { deploymentId, dagId: name.slice(4), role } : { deploymentId, dagTag: name.slice(4), role };
}

/**
 * The scopes below the organization where a person holds roles of their own, one role per key: a
 * workspace (its id), a Deployment (its id), a DAG or DAG tag of a Deployment (dagKey). One table decides
 * all three. Each names its API role list (also the state field of the roles last seen), the state field
 * of the roles before the stack, and how an entry of the list maps to its key and back.
 */
export const SCOPES = {
  workspace: {
    noun: "workspace",
    list: "workspaceRoles",
    before: "workspaceRolesBefore",
    key: (entry: RoleEntry) => entry.workspaceId ?? "",
    entry: (workspaceId: string, role: string): RoleEntry => ({ workspaceId, role }),
  },
  deployment: {
    noun: "Deployment",
    list: "deploymentRoles",
    before: "deploymentRolesBefore",
    key: (entry: RoleEntry) => entry.deploymentId ?? "",
    entry: (deploymentId: string, role: string): RoleEntry => ({ deploymentId, role }),
  },
  dag: { noun: "DAG", list: "dagRoles", before: "dagRolesBefore", key: dagKey, entry: dagEntry },
} as const;
export type Scope = keyof typeof SCOPES;
export const SCOPE_NAMES = Object.keys(SCOPES) as Scope[];

/** An API role list as key -> role in its scope. */
export const keyed = (scope: Scope, entries: RoleEntry[]): ScopedRoles =>
  Object.fromEntries(entries.map((entry) => [SCOPES[scope].key(entry), entry.role]));

/** What an invite's state says of each scope: the roles last seen there, and before the stack. */
export function scopedStates(state: ScopedFields): Record<Scope, ScopedState> {
  const view = (scope: Scope, roles: ScopedRoles): ScopedState => ({
    email: state.email,
    onDelete: state.onDelete,
    roles,
    before: state[SCOPES[scope].before],
  });
  return {
    workspace: view("workspace", state.workspaceRoles),
    deployment: view("deployment", state.deploymentRoles),
    dag: view("dag", keyed("dag", state.dagRoles)),
  };
}

/** The declared roles of each scope, keyed as the table reads them. */
export function declaredScopes(inputs: {
  workspaceRoles: ScopedRoles;
  deploymentRoles: ScopedRoles;
  dagRoles: RoleEntry[];
}): Record<Scope, ScopedRoles> {
  return { workspace: inputs.workspaceRoles, deployment: inputs.deploymentRoles, dag: keyed("dag", inputs.dagRoles) };
}

/** The fields of an invite's state the scoped table reads. */
export type ScopedFields = Pick<
  InviteState,
  | "email"
  | "onDelete"
  | "workspaceRoles"
  | "workspaceRolesBefore"
  | "deploymentRoles"
  | "deploymentRolesBefore"
  | "dagRoles"
  | "dagRolesBefore"
>;

/** Key -> role in one scope; "" or absent for none. */
export type ScopedRoles = Record<string, string>;
/** One key's step for a person. `from` and `to` are roles of their own there, "" for none. */
interface ScopedStep {
  scope: Scope;
  key: string;
  from: string;
  to: string;
  reason: string;
}

/** What the steps of one scope read of the stored state (a person new to the stack has none of it yet). */
export interface ScopedState {
  email: string;
  onDelete: InviteState["onDelete"];
  /** The roles the stack last saw there. */
  roles: ScopedRoles;
  /** Per key the stack declares, the role before the stack ("" for none). */
  before: ScopedRoles;
}

/** What the steps of an update or a removal come to: the steps, and what is left alone and why. */
export interface ScopedPlan {
  steps: ScopedStep[];
  warnings: string[];
}

/**
 * update: each declared key where the person's own role is not the declared one gets it; each key the
 * stack declared before and no longer does is set back as on removal. `current` is what a read just
 * showed (their own roles, Team grants left out), or the stored roles when none was made.
 */
export function planScopedUpdate(scope: Scope, stored: ScopedState, current: ScopedRoles, declared: ScopedRoles): ScopedPlan {
  const steps: ScopedStep[] = [];
  for (const [key, to] of Object.entries(declared)) {
    const from = current[key] ?? "";
    if (from === to) continue;
    const reason = from === "" ? `${to} granted` : `set to ${to} (was ${from})`;
    steps.push({ scope, key, from, to, reason });
  }
  const dropped = Object.keys(stored.before).filter((key) => !(key in declared));
  return merge({ steps, warnings: [] }, setBack(scope, stored, current, dropped, "removed from the declaration"));
}

/** delete: every key the stack declared is set back (the person's role before the stack, or none). */
export function planScopedRemoval(scope: Scope, stored: ScopedState, current: ScopedRoles): ScopedPlan {
  if (stored.onDelete === "keep") return { steps: [], warnings: [] };
  return setBack(scope, stored, current, Object.keys(stored.before), "removed from the program");
}

/** Undoes the stack's own grant at each key: only while the person holds the role the stack last saw there. */
function setBack(scope: Scope, stored: ScopedState, current: ScopedRoles, keys: string[], why: string): ScopedPlan {
  const plan: ScopedPlan = { steps: [], warnings: [] };
  for (const key of keys) {
    const before = stored.before[key] ?? "";
    const now = current[key] ?? "";
    const set = stored.roles[key] ?? "";
    if (now === before) continue;
    if (now !== set) {
      plan.warnings.push(
        `${stored.email}: the role in ${SCOPES[scope].noun} ${key} was changed outside the stack since (now ${now || "none"}): left alone.`,
      );
      continue;
    }
    const reason = before === "" ? `${why}: ${now} removed` : `${why}: set back to ${before}, their role before the stack`;
    plan.steps.push({ scope, key, from: now, to: before, reason });
  }
  return plan;
}

const merge = (a: ScopedPlan, b: ScopedPlan): ScopedPlan => ({
  steps: [...a.steps, ...b.steps],
  warnings: [...a.warnings, ...b.warnings],
});

/** The Teams a person joins and leaves (`teams`), from what the stack recorded and the Teams they are in now. */
export interface TeamsPlan {
  join: string[];
  leave: string[];
}

/**
 * update: join each declared Team they are not in, and leave each Team the stack added them to that is
 * no longer declared. A Team they were in before the stack is never recorded as the stack's, so nothing
 * takes them out of it. `current`: the names of the Teams they are in, or UNREAD when none was read.
 */
export function planTeamsUpdate(
  stored: Pick<InviteState, "teamsJoined">,
  declared: string[],
  current: string[] | typeof UNREAD,
): TeamsPlan {
  const joined = (name: string) => name in stored.teamsJoined || (current !== UNREAD && current.includes(name));
  return {
    join: declared.filter((name) => !joined(name)),
    leave: Object.keys(stored.teamsJoined).filter((name) => !declared.includes(name)),
  };
}

/** delete: leave every Team the stack added them to, unless they keep what they have (`onDelete: "keep"`). */
export function planTeamsRemoval(stored: Pick<InviteState, "teamsJoined" | "onDelete">): TeamsPlan {
  return { join: [], leave: stored.onDelete === "keep" ? [] : Object.keys(stored.teamsJoined) };
}
