import { z } from "zod";
import { DEFAULT_ROLE } from "../roles";
import { INVITE_TYPE } from "../invite/resource-type";
import { InviteState, readState, UNKNOWN } from "../invite/schema";

/**
 * What a `pulumi preview --json` would do to people: the membership changes of its invite resources,
 * read from the preview alone (no token, no network). Statuses are those of the stack's state, so they
 * are as fresh as its last refresh (`pulumi preview --refresh --json` refreshes first).
 */
export const ACTIONS = ["invite", "change-role", "reinvite", "revoke", "demote", "leave", "move"] as const;
export type Action = (typeof ACTIONS)[number];

export interface MembershipChange {
  action: Action;
  email: string;
  organizationId: string;
  fromRole: string | null;
  toRole: string | null;
  /** The invitee's status in the stack's state before the change; null for someone new to the stack. */
  status: string | null;
  reason: string;
  /** The Pulumi resource name. */
  resource: string;
}

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

/** What the program declares for an invite, as check left it (a value may be unknown until apply). */
type Declared = Pick<InviteState, "email" | "organizationId" | "role">;

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
  const changes = [...byUrn.entries()].flatMap(([urn, steps]) => {
    const change = classify(steps, now);
    return change ? [{ ...change, resource: urn.split("::").pop() ?? urn }] : [];
  });
  return changes.sort((a, b) => ACTIONS.indexOf(a.action) - ACTIONS.indexOf(b.action) || a.email.localeCompare(b.email));
}

function classify(steps: Step[], now: Date): Change | undefined {
  const ops = new Set(steps.map((step) => step.op));
  const oldState = steps.find((step) => step.oldState)?.oldState;
  const old = oldState && readState({ ...oldState.inputs, ...oldState.outputs });
  const next = declared(steps.find((step) => step.newState)?.newState?.inputs);
  if (ops.has("replace") || ops.has("create-replacement") || ops.has("delete-replaced")) return move(old!, next!, steps);
  if (ops.has("create")) return invite(next!);
  if (ops.has("update")) return update(old!, next!, now);
  if (ops.has("delete")) return removal(old!);
  return undefined;
}

type Change = Omit<MembershipChange, "resource">;

function invite(next: Declared): Change {
  return {
    action: "invite",
    ...who(next),
    fromRole: null,
    toRole: next.role,
    status: null,
    reason: "new to the stack: an invite is sent (adopted instead if already an active member)",
  };
}

/** An update of an invite that was in state `old` to the declaration `next`. */
function update(old: InviteState, next: Declared, now: Date): Change | undefined {
  const to = (action: Action, reason: string, fromRole: string | null = old.role): Change => ({
    action,
    ...who(next),
    fromRole,
    toRole: next.role,
    status: old.status,
    reason,
  });
  if (old.status === "UNCONFIRMED")
    return to("invite", "an earlier create's outcome was unknown: the person is looked up, and invited only if not found", null);
  const pending = (old.status === "PENDING" && old.inviteId !== "") || old.status === "EXPIRED" || old.status === "REVOKED";
  if (old.role !== next.role && pending)
    return to("reinvite", "role changed while pending: the invite is revoked and sent again with the new role");
  if (old.role !== next.role) return to("change-role", "role changed through the roles endpoint, no new invite");
  const expired =
    old.status === "EXPIRED" || (old.status === "PENDING" && old.expiresAt !== "" && Date.parse(old.expiresAt) <= now.getTime());
  if (expired) return to("reinvite", `expired at ${old.expiresAt || "an unknown time"}: a new invite is sent`);
  if (old.status === "REVOKED") return to("reinvite", "revoked by an earlier re-send that failed half way: a new invite is sent");
  return undefined;
}

/** The invite in state `old` removed from the program: what destroy does to that person. */
function removal(old: InviteState): Change {
  const to = (action: Action, toRole: string | null, reason: string): Change => ({
    action,
    ...who(old),
    fromRole: old.role,
    toRole,
    status: old.status,
    reason,
  });
  if (old.adopted) return to("leave", old.role, "adopted (a member before the stack): left as is");
  if ((old.status === "PENDING" || old.status === "EXPIRED") && old.inviteId !== "")
    return to("revoke", null, "removed from the program: the pending invite is revoked");
  if (old.status === "PENDING" || old.status === "EXPIRED") {
    return to(
      "leave",
      old.role,
      "the invite's id never reached the stack: it cannot be revoked through the API (revoke it in the Astro UI)",
    );
  }
  if (old.status === "REVOKED") return to("leave", null, "no live invite to revoke");
  if (old.onDelete === "keep") return to("leave", old.role, 'onDelete "keep": the member keeps their role');
  if (old.role === DEFAULT_ROLE) return to("leave", old.role, `already ${DEFAULT_ROLE}`);
  return to("demote", DEFAULT_ROLE, `removed from the program: set to ${DEFAULT_ROLE} (onDelete "demote")`);
}

/** A replacement: the old invite undone as removal would, the new one sent. */
function move(old: InviteState, next: Declared, steps: Step[]): Change {
  const keys = new Set(steps.flatMap((step) => step.replaceReasons ?? []));
  const organizationMoved = keys.has("organizationId") && old.organizationId !== next.organizationId;
  const what = organizationMoved ? `organization ${old.organizationId} -> ${next.organizationId}` : `email ${old.email} -> ${next.email}`;
  const undone = { leave: "left as is", demote: "demoted" }[removal(old).action as string] ?? "revoked";
  return {
    action: "move",
    ...who(next),
    fromRole: old.role,
    toRole: next.role,
    status: old.status,
    reason: `${what}: the old one is ${undone}, a new invite is sent`,
  };
}

function who(side: Declared): Pick<MembershipChange, "email" | "organizationId"> {
  return { email: side.email, organizationId: side.organizationId };
}

function declared(inputs: Record<string, unknown> | undefined): Declared | undefined {
  if (!inputs) return undefined;
  const text = (key: keyof Declared) => (inputs[key] === UNKNOWN ? "(known after apply)" : String(inputs[key] ?? ""));
  return { email: text("email"), organizationId: text("organizationId"), role: text("role") };
}

function typeOf(step: Step): string {
  return step.newState?.type ?? step.oldState?.type ?? step.urn.split("::")[2]?.split("$").pop() ?? "";
}

/**
 * Changes that grant `role`: an invite for it (new, re-sent or moved: the invitee does not hold it yet)
 * or a member's role changed to it.
 */
export function grants(changes: MembershipChange[], role: string): MembershipChange[] {
  return changes.filter(
    (c) => c.toRole === role && (c.action === "change-role" ? c.fromRole !== role : ["invite", "reinvite", "move"].includes(c.action)),
  );
}
