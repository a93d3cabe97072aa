import { z } from "zod";
import { INVITE_TYPE } from "../invite/resource-type";
import {
  Action,
  ACTIONS,
  Declared,
  Plan,
  planCreate,
  planRemoval,
  planUpdate,
  planTeamsRemoval,
  planTeamsUpdate,
  planScopedRemoval,
  planScopedUpdate,
  Scope,
  SCOPE_NAMES,
  ScopedFields,
  ScopedRoles,
  scopedStates,
  SCOPES,
  UNREAD,
} from "../invite/plan";
import { InviteState, readState, UNKNOWN } from "../invite/schema";
import { DAG_ROLES, DEPLOYMENT_ROLES, isOrganizationRole, WORKSPACE_ROLES } from "../roles";

/**
 * What a `pulumi preview --json` (or `pulumi destroy --preview-only --json`) would do to people: the
 * membership changes of its invite resources, read from the preview alone (no token, no network). Each
 * change is what the lifecycle's own table (invite/plan.ts) plans for the person, from the state the
 * step starts from. Anything the review cannot read is an error, never "no change".
 */
export { ACTIONS, type Action };

export interface MembershipChange {
  action: Action;
  email: string;
  organizationId: string;
  fromRole: string | null;
  toRole: string | null;
  /** The invitee's status in the state the step starts from; null for someone new to the stack. */
  status: string | null;
  reason: string;
  /** Declared fields the preview does not show (unknown until apply, or secret): the review assumes the worst of them. */
  unknown: string[];
  /** The Pulumi resource name. */
  resource: string;
  /** For a `workspace` change: the workspace it is in (fromRole and toRole are workspace roles, null for none). */
  workspaceId?: string;
  /** For a `deployment` or `dag` change: the Deployment it is on. */
  deploymentId?: string;
  /** For a `dag` change: the DAG (`dag:ID`) or DAG tag (`tag:TAG`) it is for. */
  dag?: string;
  /** For a `team` change: the Team joined (toRole is its name) or left (fromRole is). */
  team?: string;
}

/** A preview the review cannot read with certainty: exit 2, naming what it is. */
export class PreviewError extends Error {}

const StateSchema = z.object({
  type: z.string(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  outputs: z.record(z.string(), z.unknown()).optional(),
});
const StepSchema = z.object({
  op: z.string(),
  urn: z.string(),
  oldState: StateSchema.optional(),
  newState: StateSchema.optional(),
  replaceReasons: z.array(z.string()).optional(),
});
/** The parts of Pulumi's preview digest (`pulumi preview --json`) the review reads. */
export const PreviewSchema = z
  .object({
    steps: z.array(StepSchema).optional(),
    changeSummary: z.record(z.string(), z.number()).optional(),
    diagnostics: z.array(z.object({ severity: z.string().optional(), message: z.string().optional() })).optional(),
  })
  .refine((preview) => preview.steps !== undefined || preview.changeSummary !== undefined, {
    message: 'has neither "steps" nor "changeSummary"',
  });
export type Preview = z.infer<typeof PreviewSchema>;
type Step = z.infer<typeof StepSchema>;

/** What the preview shows in place of a value it does not know yet, or will not show. */
const HIDDEN: Record<string, string> = { [UNKNOWN]: "unknown until apply", "[secret]": "secret" };
const REPLACE_OPS = ["replace", "create-replacement", "delete-replaced"];
/** Steps that apply the program; `refresh` steps (with `--refresh`) only say what the state starts from. */
const PROGRAM_OPS = ["same", "create", "update", "delete", ...REPLACE_OPS];

/** Who a change is about, and which of their declared fields the preview hides (with why). */
interface Who {
  email: string;
  organizationId: string;
  hidden: { field: string; why: string }[];
}
/** What the program declares for an invite, as check left it. */
type Next = Declared & Who & { scoped: Record<Scope, ScopedRoles>; teams: string[] };

/**
 * The membership changes of a preview, one per invite resource that changes, ordered by action (as in
 * ACTIONS) and then by email: the engine runs steps in parallel, so the preview's own order is not stable.
 */
export function membershipChanges(preview: Preview, now: Date = new Date()): MembershipChange[] {
  const byUrn = new Map<string, Step[]>();
  for (const step of preview.steps ?? []) {
    if (typeOf(step) !== INVITE_TYPE) continue;
    byUrn.set(step.urn, [...(byUrn.get(step.urn) ?? []), step]);
  }
  const changes = [...byUrn.entries()].flatMap(([urn, steps]) =>
    classify(urn, steps, now).map((change) => ({ ...change, resource: urn.split("::").pop() ?? urn })),
  );
  return handOvers(changes).sort((a, b) => ACTIONS.indexOf(a.action) - ACTIONS.indexOf(b.action) || a.email.localeCompare(b.email));
}

/**
 * A person whose declaration is created under one name and deleted under another in the same preview (a
 * move or rename that neither the program nor `aliases` paired) is one hand-over, as the lifecycle performs it: the create records them
 * as it finds them (and applies the declared role), the delete writes nothing.
 */
function handOvers(changes: Reviewed[]): MembershipChange[] {
  const person = (c: Reviewed) => `${c.organizationId}/${c.email}`;
  const created = new Map(changes.filter((c) => c.action === "invite" && c.unknown.length === 0).map((c) => [person(c), c]));
  const paired = new Set<Reviewed>();
  const merged = changes.flatMap((old): Reviewed[] => {
    const next = old.removal && created.get(person(old));
    if (!next || paired.has(next)) return [old];
    paired.add(next);
    const plan = planRemoval(old.removal!, UNREAD, true);
    const role = old.fromRole !== next.toRole ? `; the role changes ${old.fromRole} -> ${next.toRole} through the roles endpoint` : "";
    return [
      {
        ...old,
        action: plan.action,
        toRole: next.toRole,
        reason: `${plan.reason}${role}`,
        resource: `${old.resource} -> ${next.resource}`,
      },
    ];
  });
  return merged.filter((c) => !paired.has(c)).map(({ removal: _removal, ...change }) => change);
}

/** A change as classified, with the old state of a delete kept for pairing it with a create (handOvers). */
type Change = Omit<MembershipChange, "resource"> & { removal?: InviteState };
type Reviewed = Change & { resource: string };

/** Whether the preview refreshed first (`--refresh`): otherwise statuses are those of the last refresh. */
export function refreshed(preview: Preview): boolean {
  return (preview.steps ?? []).some((step) => step.op === "refresh");
}

function classify(urn: string, steps: Step[], now: Date): Change[] {
  const unexpected = steps.find((step) => step.op !== "refresh" && !PROGRAM_OPS.includes(step.op));
  if (unexpected) throw new PreviewError(`${urn}: the review does not know the step "${unexpected.op}"`);
  const refresh = steps.find((step) => step.op === "refresh");
  const program = steps.filter((step) => step.op !== "refresh");
  const ops = new Set(program.map((step) => step.op));
  const drift = refresh?.oldState && driftOf(stateOf(urn, refresh.oldState), program.find((step) => step.oldState)?.oldState, urn);
  if (REPLACE_OPS.some((op) => ops.has(op))) {
    const next = declared(urn, program);
    return [move(stored(urn, program, "a replace"), next, drift), ...scopedChanges(NEW, next, null), ...teamRows(NEW, next, null)];
  }
  if (ops.has("create")) {
    const next = declared(urn, program);
    return [change(planCreate(next), null, next), ...scopedChanges(NEW, next, null), ...teamRows(NEW, next, null)];
  }
  if (ops.has("update")) {
    const old = stored(urn, program, "an update");
    const next = declared(urn, program);
    const plan = planUpdate(old, UNREAD, next, now);
    return [...(plan ? [change(plan, old, next, drift)] : []), ...scopedChanges(old, next, old.status), ...teamRows(old, next, old.status)];
  }
  if (ops.has("delete")) {
    const old = stored(urn, program, "a delete");
    const plan = planRemoval(old, UNREAD);
    // Revoking a pending invite removes the pending user, their roles below the organization with them.
    const workspaces = plan.action === "revoke" ? [] : scopedChanges(old, { ...old, hidden: [] }, old.status, "removal");
    const teams = plan.action === "handover" ? [] : teamRows(old, { ...old, hidden: [] }, old.status, "removal");
    return [{ ...change(plan, old, { ...old, hidden: [] }, drift), removal: old }, ...workspaces, ...teams];
  }
  return [];
}

/** The workspace and Team state of someone new to the stack. */
const NEW: ScopedFields & Pick<InviteState, "workspaceRolesDeferred" | "teamsJoined"> = {
  email: "",
  onDelete: "demote",
  workspaceRoles: {},
  workspaceRolesBefore: {},
  deploymentRoles: {},
  deploymentRolesBefore: {},
  dagRoles: [],
  dagRolesBefore: {},
  workspaceRolesDeferred: false,
  teamsJoined: {},
};

/** One change per Team joined or left (their `teams`), from the same table as the lifecycle's. Hidden names: one change that may join any Team. */
function teamRows(
  old: Pick<InviteState, "teamsJoined" | "onDelete">,
  next: Who & { teams?: string[] },
  status: string | null,
  step = "update",
): Change[] {
  const row = (team: string | undefined, joins: boolean, reason: string, unknown: string[]): Change => ({
    action: "team",
    email: next.email,
    organizationId: next.organizationId,
    fromRole: joins ? null : (team ?? null),
    toRole: joins ? (team ?? null) : null,
    status,
    reason,
    unknown,
    ...(team ? { team } : {}),
  });
  const hidden = next.hidden.find((h) => h.field === "teams");
  if (hidden) return [row(undefined, true, `the Teams they join are ${hidden.why}`, ["teams"])];
  const plan = step === "removal" ? planTeamsRemoval(old) : planTeamsUpdate(old, next.teams ?? [], UNREAD);
  return [
    ...plan.join.map((team) => row(team, true, `joins Team ${team} (unless they are in it already)`, [])),
    ...plan.leave.map((team) => row(team, false, `leaves Team ${team}, which the stack added them to`, [])),
  ];
}

/**
 * One change per workspace, Deployment and DAG step, from the same table as the lifecycle's (planned from
 * the stored roles). Roles of a scope the preview hides are one change that may grant any role there.
 */
function scopedChanges(
  old: ScopedFields & Pick<InviteState, "workspaceRolesDeferred">,
  next: Who & { scoped?: Record<Scope, ScopedRoles> },
  status: string | null,
  step = "update",
): Change[] {
  const stored = scopedStates(old);
  // Roles that waited for the invite to be accepted: the preview says why they are applied now.
  const waited = old.workspaceRolesDeferred && status === "ACTIVE" ? " (waiting since the invite: accepted)" : "";
  return SCOPE_NAMES.flatMap((scope) => {
    const where = (key: string): Partial<MembershipChange> => {
      if (scope === "workspace") return { workspaceId: key };
      const entry = SCOPES[scope].entry(key, "");
      return scope === "deployment" ? { deploymentId: key } : { deploymentId: entry.deploymentId, dag: key.slice(key.indexOf("/") + 1) };
    };
    const row = (key: string | undefined, fromRole: string | null, toRole: string | null, reason: string, unknown: string[]): Change => ({
      action: scope,
      email: next.email,
      organizationId: next.organizationId,
      fromRole,
      toRole,
      status,
      reason,
      unknown,
      ...(key ? where(key) : {}),
    });
    const field = SCOPES[scope].list;
    const hidden = next.hidden.find((h) => h.field === field);
    if (hidden) return [row(undefined, null, null, `the ${SCOPES[scope].noun} roles are ${hidden.why}`, [field])];
    const plan =
      step === "removal"
        ? planScopedRemoval(scope, stored[scope], stored[scope].roles)
        : planScopedUpdate(scope, stored[scope], stored[scope].roles, next.scoped?.[scope] ?? {});
    return plan.steps.map((s) =>
      row(s.key, s.from || null, s.to || null, `${SCOPES[scope].noun} ${s.key}: ${s.reason}${s.from === "" ? waited : ""}`, []),
    );
  });
}

function change(plan: Plan, old: InviteState | null, who: Who, drift?: Drift): Change {
  const restored = drift?.role && plan.action === "change-role" && plan.toRole === drift.role.from ? drift.role : undefined;
  const reason = restored
    ? `role changed outside the stack (${restored.from} -> ${restored.to}): up restores ${restored.from} through the roles endpoint`
    : [drift?.text, plan.reason, ...who.hidden.map(({ field, why }) => `the ${field} is ${why}`)].filter(Boolean).join("; ");
  return {
    action: plan.action,
    email: who.email,
    organizationId: who.organizationId,
    fromRole: old?.role ?? null,
    toRole: plan.toRole,
    status: old?.status ?? null,
    reason,
    unknown: who.hidden.map(({ field }) => field),
  };
}

/** A replacement: the old invite undone as removal would, the new one sent. */
function move(old: InviteState, next: Next, drift?: Drift): Change {
  const organizationMoved = old.organizationId !== next.organizationId;
  const what = organizationMoved ? `organization ${old.organizationId} -> ${next.organizationId}` : `email ${old.email} -> ${next.email}`;
  const undone = { leave: "left as is", demote: "demoted", restore: "set back" }[planRemoval(old, UNREAD).action as string] ?? "revoked";
  return change(
    { ...planCreate(next), action: "move", reason: `${what}: the old one is ${undone}, a new invite is sent` },
    old,
    next,
    drift,
  );
}

/** What a refresh found changed since the last refresh. */
interface Drift {
  text: string;
  role?: { from: string; to: string };
}

/**
 * From the state before the refresh (its step's `oldState`) to the state the program's step starts from:
 * the CLI's refresh steps in a preview may repeat the old state as their `newState`, so the refreshed
 * state is read where the engine uses it.
 */
function driftOf(before: InviteState, refreshed: z.infer<typeof StateSchema> | undefined, urn: string): Drift | undefined {
  if (!refreshed) return { text: "no longer in the organization (found by the refresh)" };
  const after = stateOf(urn, refreshed);
  const notes: string[] = [];
  if (before.status !== after.status) notes.push(after.status === "ACTIVE" ? "accepted since the last refresh" : `now ${after.status}`);
  const role = before.role !== after.role ? { from: before.role, to: after.role } : undefined;
  if (role) notes.push(`role changed outside the stack (${role.from} -> ${role.to})`);
  return notes.length ? { text: notes.join(", "), role } : undefined;
}

/** The state the program's step starts from (after any refresh), through the invite's own schema. */
function stored(urn: string, steps: Step[], what: string): InviteState {
  const old = steps.find((step) => step.oldState)?.oldState;
  if (!old) throw new PreviewError(`${urn}: ${what} without "oldState": the preview does not say what the step starts from`);
  return stateOf(urn, old);
}

function stateOf(urn: string, state: z.infer<typeof StateSchema>): InviteState {
  try {
    return readState({ ...state.inputs, ...state.outputs });
  } catch (error) {
    throw new PreviewError(`${urn}: ${(error as Error).message}`);
  }
}

function declared(urn: string, steps: Step[]): Next {
  const inputs = steps.find((step) => step.newState?.inputs)?.newState?.inputs;
  if (!inputs) throw new PreviewError(`${urn}: a step without "newState.inputs": the preview does not say what is declared`);
  const hidden: Who["hidden"] = [];
  const field = (key: "email" | "organizationId" | "role" | "apiUrl") => {
    const value = inputs[key];
    if (typeof value === "string" && HIDDEN[value]) {
      hidden.push({ field: key, why: HIDDEN[value] });
      return `(${HIDDEN[value]})`;
    }
    if (typeof value !== "string") throw new PreviewError(`${urn}: the declared ${key} is not a string in the preview`);
    return value;
  };
  const next = { email: field("email"), organizationId: field("organizationId"), role: field("role"), apiUrl: field("apiUrl") };
  // A hidden role stands in as its placeholder: no real role equals it, so the table plans the worst case.
  return {
    ...next,
    role: next.role as Declared["role"],
    scoped: {
      workspace: rolesMapOf(urn, "workspaceRoles", inputs.workspaceRoles, hidden),
      deployment: rolesMapOf(urn, "deploymentRoles", inputs.deploymentRoles, hidden),
      dag: dagRolesOf(urn, inputs.dagRoles, hidden),
    },
    teams: teamsOf(urn, inputs.teams, hidden),
    hidden,
  };
}

/** The declared Team names; hidden (as a whole, or any one), they are recorded in `hidden`. */
function teamsOf(urn: string, value: unknown, hidden: Who["hidden"]): string[] {
  if (value === undefined) return [];
  const why =
    typeof value === "string" ? HIDDEN[value] : Array.isArray(value) ? value.map((name) => HIDDEN[String(name)]).find(Boolean) : undefined;
  if (why) {
    hidden.push({ field: "teams", why });
    return [];
  }
  if (!Array.isArray(value) || value.some((name) => typeof name !== "string"))
    throw new PreviewError(`${urn}: the declared teams are not a list of names in the preview`);
  return value as string[];
}

/** Declared workspace or Deployment roles (id -> role); hidden (as a whole, or any one role), they are recorded in `hidden`. */
function rolesMapOf(urn: string, field: string, value: unknown, hidden: Who["hidden"]): ScopedRoles {
  if (value === undefined) return {};
  const why =
    typeof value === "string"
      ? HIDDEN[value]
      : Object.values(value as object)
          .map((role) => HIDDEN[String(role)])
          .find(Boolean);
  if (why) {
    hidden.push({ field, why });
    return {};
  }
  if (typeof value !== "object" || value === null || Object.values(value).some((role) => typeof role !== "string")) {
    throw new PreviewError(`${urn}: the declared ${field} are not a map of roles in the preview`);
  }
  return value as ScopedRoles;
}

/** The declared DAG roles, keyed as the table reads them; hidden (as a whole, or any part), recorded in `hidden`. */
function dagRolesOf(urn: string, value: unknown, hidden: Who["hidden"]): ScopedRoles {
  if (value === undefined) return {};
  const parts = Array.isArray(value)
    ? value.flatMap((entry) => (entry && typeof entry === "object" ? Object.values(entry) : [entry]))
    : [value];
  const why = parts.map((part) => HIDDEN[String(part)]).find(Boolean);
  if (why) {
    hidden.push({ field: "dagRoles", why });
    return {};
  }
  const valid = (entry: unknown) =>
    typeof entry === "object" &&
    entry !== null &&
    typeof (entry as { deploymentId?: unknown }).deploymentId === "string" &&
    typeof (entry as { role?: unknown }).role === "string";
  if (!Array.isArray(value) || !value.every(valid))
    throw new PreviewError(`${urn}: the declared dagRoles are not a list of DAG roles in the preview`);
  return Object.fromEntries(
    (value as { role: string; deploymentId: string; dagId?: string; dagTag?: string }[]).map((entry) => [
      SCOPES.dag.key(entry),
      entry.role,
    ]),
  );
}

function typeOf(step: Step): string {
  return step.newState?.type ?? step.oldState?.type ?? step.urn.split("::")[2]?.split("$").pop() ?? "";
}

/** Actions after which the person holds `toRole` when they did not before the step. */
const GRANTING: Action[] = [
  "invite",
  "record",
  "reinvite",
  "rehost",
  "move",
  "change-role",
  "restore",
  "handover",
  "workspace",
  "deployment",
  "dag",
];
/** Actions whose `fromRole` is a role the person holds before the step. */
const HELD: Action[] = ["change-role", "restore", "handover", "workspace", "deployment", "dag"];

/** Where a role named in `--deny-role` is held: an organization role, a role in one scope, or a custom role's id (Deployment or DAG). */
export function scopesOf(role: string): (Scope | "organization")[] {
  if ((WORKSPACE_ROLES as readonly string[]).includes(role)) return ["workspace"];
  if ((DEPLOYMENT_ROLES as readonly string[]).includes(role)) return ["deployment"];
  if ((DAG_ROLES as readonly string[]).includes(role)) return ["dag"];
  return isOrganizationRole(role) ? ["organization"] : ["deployment", "dag"];
}

/**
 * Changes that may grant `role`: an invite for it (new, re-sent, moved, at a new host: the invitee does
 * not hold it yet), a member's role changed or restored to it, a role below the organization granted,
 * or any of these with a role the preview does not show.
 */
export function grants(changes: MembershipChange[], role: string): MembershipChange[] {
  const wanted = scopesOf(role);
  return changes.filter((c) => {
    const scope = (SCOPE_NAMES as string[]).includes(c.action) ? (c.action as Scope) : "organization";
    if (!GRANTING.includes(c.action) || !wanted.includes(scope)) return false;
    if (c.unknown.includes(scope === "organization" ? "role" : SCOPES[scope].list)) return true;
    return c.toRole === role && (!HELD.includes(c.action) || c.fromRole !== role);
  });
}
