import type { FieldError } from "./schemas";

/** The client's operations, by the names used in errors, logs, pacing and the emulator's request log. */
export type Operation =
  | "createInvite"
  | "deleteInvite"
  | "listUsers"
  | "getUser"
  | "updateRoles"
  | "getUserTeams"
  | "listWorkspaces"
  | "listDeployments"
  | "getOrganization"
  | "listTeams"
  | "createTeam"
  | "getTeam"
  | "updateTeam"
  | "deleteTeam"
  | "listTeamMembers"
  | "addTeamMembers"
  | "removeTeamMember"
  | "updateTeamRoles";

/**
 * The token permission each operation needs, named in 401/403 errors so users know what to grant. The
 * emulator decides which permission it demands on its own (emulator/state.ts), on purpose: a test holds
 * the two against each other, so a wrong entry on either side shows.
 */
export const REQUIRED_PERMISSION: Record<Operation, string> = {
  createInvite: "organization.users.create",
  deleteInvite: "organization.users.delete",
  listUsers: "organization.users.get",
  getUser: "organization.users.get",
  updateRoles: "organization.userRoles.access",
  getUserTeams: "organization.teams.get",
  listWorkspaces: "organization.workspaces.get",
  listDeployments: "organization.deployments.get",
  getOrganization: "organization.get",
  listTeams: "organization.teams.get",
  createTeam: "organization.teams.create",
  getTeam: "organization.teams.get",
  updateTeam: "organization.teams.update",
  deleteTeam: "organization.teams.delete",
  listTeamMembers: "organization.teams.get",
  addTeamMembers: "organization.teams.update",
  removeTeamMember: "organization.teams.update",
  updateTeamRoles: "organization.teams.update",
};

export interface AstroApiErrorDetails {
  operation: Operation;
  /** HTTP status; absent when no response arrived (connection refused, reset, timeout). */
  status?: number;
  /** Astro's own message, or what went wrong on the wire. */
  apiMessage: string;
  requestId?: string;
  fieldErrors?: FieldError[];
  /** How many attempts were made before giving up. */
  attempts?: number;
  /** The failure underneath, e.g. the lookup that failed after an ambiguous create. */
  cause?: unknown;
}

/**
 * Every failure of an Astro API call. It holds no request configuration, headers or token, so it is safe
 * to log, print and store in a Pulumi error.
 */
export class AstroApiError extends Error {
  readonly operation: Operation;
  readonly status?: number;
  readonly apiMessage: string;
  readonly requestId?: string;
  readonly fieldErrors: FieldError[];
  readonly attempts: number;

  constructor(details: AstroApiErrorDetails) {
    super(formatMessage(details), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "AstroApiError";
    this.operation = details.operation;
    this.status = details.status;
    this.apiMessage = details.apiMessage;
    this.requestId = details.requestId;
    this.fieldErrors = details.fieldErrors ?? [];
    this.attempts = details.attempts ?? 1;
  }
}

/** A response whose body does not have the documented shape. */
export class ResponseShapeError extends Error {
  constructor(
    readonly operation: Operation,
    problem: string,
  ) {
    super(`Astro API ${operation} returned a body of unexpected shape: ${problem}`);
    this.name = "ResponseShapeError";
  }
}

/**
 * A create attempt that may have reached the server and whose outcome could not be learned: its answer
 * was lost, and the lookup of the invitee that would have told us failed too. The invite may exist.
 */
export class CreateOutcomeUnknownError extends Error {
  constructor(
    readonly email: string,
    readonly attempt: string,
    cause: unknown,
  ) {
    super(
      `An invite for ${email} may have been sent: a create attempt may have reached the Astro API (${attempt}), ` +
        `and looking ${email} up afterwards failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = "CreateOutcomeUnknownError";
  }
}

function formatMessage(d: AstroApiErrorDetails): string {
  const where = d.status === undefined ? "no response" : `HTTP ${d.status}`;
  const parts = [`Astro API ${d.operation} failed (${where}): ${d.apiMessage}`];
  if (d.fieldErrors?.length) {
    parts.push(`field errors: ${d.fieldErrors.map((f) => `${f.field}: ${f.message}`).join("; ")}`);
  }
  if (d.status === 401) {
    parts.push(
      "The API token was rejected: check that it is a valid, unexpired Organization API token " +
        `with the ${REQUIRED_PERMISSION[d.operation]} permission.`,
    );
  } else if (d.status === 403) {
    parts.push(
      `The API token may not do this: it needs the ${REQUIRED_PERMISSION[d.operation]} permission ` +
        "on this organization (an Organization API token with the Organization Owner role has it).",
    );
  }
  if (d.attempts && d.attempts > 1) parts.push(`Gave up after ${d.attempts} attempts.`);
  const sentences = parts.map((part) => (/[.!?]$/.test(part) ? part : `${part}.`));
  if (d.requestId) sentences.push(`(requestId ${d.requestId})`);
  return sentences.join(" ");
}
