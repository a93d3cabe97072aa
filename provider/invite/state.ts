import { z } from "zod";
import { USER_STATUSES } from "../api/schemas";
import type { InviteInputs } from "./inputs";

/**
 * The resource's outputs as stored in Pulumi state. `schemaVersion` lets a newer version of this package
 * read state written by an older one: fields added later get defaults here.
 */
export const SCHEMA_VERSION = 1;

/**
 * Where the invitee stands. The first four are Astro's user statuses; EXPIRED is a pending invite past its
 * expiry; REVOKED means our invite was withdrawn and no new one was sent yet (both make the next `up`
 * re-send); UNCONFIRMED means a create may have reached Astro but its outcome could not be learned (the
 * next `up` looks the invitee up and records them, or invites them if no one is there).
 */
export const INVITE_STATUSES = [...USER_STATUSES, "EXPIRED", "REVOKED", "UNCONFIRMED"] as const;
export type InviteStatus = (typeof INVITE_STATUSES)[number];

export interface Inviter {
  id: string;
  subjectType: string;
  /** The API token's name, or the inviting user's name or email. */
  displayName: string;
}

export interface InviteState extends InviteInputs {
  schemaVersion: number;
  /** Empty when the invite's id never reached us (a create whose answer was lost) or for adopted members. */
  inviteId: string;
  userId: string;
  /** ISO time; empty when unknown. */
  expiresAt: string;
  status: InviteStatus;
  inviter: Inviter;
  organizationName: string;
  /** The person had a non-pending role before this stack declared them: destroy leaves them alone. */
  adopted: boolean;
}

const StoredStateSchema = z.object({
  schemaVersion: z.number().int().default(1),
  email: z.string(),
  role: z.string(),
  organizationId: z.string(),
  apiUrl: z.string(),
  onDelete: z.enum(["demote", "keep"]).default("demote"),
  inviteId: z.string().default(""),
  userId: z.string().default(""),
  expiresAt: z.string().default(""),
  // Absent only for a create the engine never heard back from (imported with --import-pending-creates):
  // read then looks the invitee up by email.
  status: z.enum(INVITE_STATUSES).default("PENDING"),
  inviter: z.object({ id: z.string(), subjectType: z.string(), displayName: z.string() }).default({ id: "", subjectType: "", displayName: "" }),
  organizationName: z.string().default(""),
  adopted: z.boolean().default(false),
});

/** Reads stored outputs, failing clearly on state written by a newer version of this package. */
export function readState(props: Record<string, unknown>): InviteState {
  const version = typeof props.schemaVersion === "number" ? props.schemaVersion : 1;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `This resource's state was written by a newer pulumi-astro-invites (state schema ${version}, this version reads up to ${SCHEMA_VERSION}): upgrade the package`,
    );
  }
  const parsed = StoredStateSchema.safeParse(props);
  if (!parsed.success) {
    throw new Error(`The stored state of this invite is not readable: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return { ...parsed.data, role: parsed.data.role as InviteState["role"], schemaVersion: SCHEMA_VERSION };
}

/** The declared inputs inside a state, as `read` hands them back to the engine. */
export function inputsOf(state: InviteState): InviteInputs {
  const { email, role, organizationId, apiUrl, onDelete } = state;
  return { email, role, organizationId, apiUrl, onDelete };
}

/** A pending invite that can no longer be accepted, or none at all: `up` sends a new one. */
export function needsResend(state: InviteState, now: Date = new Date()): boolean {
  if (state.status === "EXPIRED" || state.status === "REVOKED") return true;
  return state.status === "PENDING" && state.expiresAt !== "" && Date.parse(state.expiresAt) <= now.getTime();
}
