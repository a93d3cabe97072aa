import { z } from "zod";
import { readStored } from "../stored-state";
import { USER_STATUSES } from "../api/schemas";
import { DEFAULT_ROLE, ORGANIZATION_ROLES, WORKSPACE_ROLES } from "../roles";

/**
 * The invite, declared once: each field with what it means, its default and what changing it does.
 * Everything else derives from here: the resource's argument and output types, the output placeholders,
 * the stored-state reader, the inputs handed back on refresh, and which changes replace the invite.
 * Adding a field is a line here plus the lifecycle step that uses it.
 */

/** What Pulumi passes for a value not known until apply time (during preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A field whose change means another invite (another person or organization): replace, revoking first. */
const replaces = (description: string) => ({ replaces: true, description });

/** A DAG role: one role on one DAG, or on every DAG with a tag, of a Deployment (a person's or a Team's). */
export const DagRoleSchema = z.object({
  deploymentId: z.string().describe("The Astro Deployment the DAG runs on."),
  dagId: z.string().optional().describe("One DAG, by its id (give this or dagTag)."),
  dagTag: z.string().optional().describe("Every DAG with this tag (give this or dagId)."),
  role: z.string().describe("DAG_VIEWER, DAG_AUTHOR, or the id of one of the organization's custom DAG roles."),
});

/** Emails are stored and compared trimmed and lowercased, as the Astro CLI sends them. */
const EmailSchema = z.string().trim().toLowerCase();
export const normalizeEmail = (email: string): string => EmailSchema.parse(email);

export const OnDeleteSchema = z.enum(["demote", "keep"]);

/** The declared inputs after check: every field present, normalized and valid. */
export const InputsSchema = z.object({
  email: EmailSchema.min(1).meta(
    replaces("The invitee's email address, trimmed and lowercased (as the Astro CLI does). Changing it invites another person (replace)."),
  ),
  role: z
    .enum(ORGANIZATION_ROLES)
    .default(DEFAULT_ROLE)
    .describe("One of the five organization roles. Changing it updates in place (a re-invite while pending, the roles endpoint after)."),
  organizationId: z
    .string()
    .min(1)
    .meta(
      replaces(
        "The Astro organization. Fallbacks: stack config astro:organizationId, then env ASTRO_ORGANIZATION_ID. Changing it replaces.",
      ),
    ),
  apiUrl: z
    .string()
    .min(1)
    .describe("The Astro API base URL. Fallbacks: config astro:apiUrl, then env ASTRO_API_URL, then https://api.astronomer.io/v1."),
  workspaceRoles: z
    .record(z.string(), z.enum(WORKSPACE_ROLES))
    .default({})
    .describe(
      "The person's own workspace roles: Astro workspace id -> one of WORKSPACE_OWNER, WORKSPACE_OPERATOR, WORKSPACE_AUTHOR, WORKSPACE_MEMBER, WORKSPACE_ACCESSOR (one per workspace). Set at invite, or once they accept if Astro refuses them before; removing a workspace removes that role. Roles through Teams and workspaces not listed are left alone.",
    ),
  deploymentRoles: z
    .record(z.string(), z.string())
    .default({})
    .describe(
      "The person's own Deployment roles: Astro Deployment id -> DEPLOYMENT_ADMIN or the id of one of the organization's custom Deployment roles (one per Deployment). Applied like workspace roles; Astro gives someone without a role in the Deployment's workspace WORKSPACE_ACCESSOR there, which the stack records as Astro's and takes away with the Deployment role.",
    ),
  dagRoles: z
    .array(DagRoleSchema)
    .default([])
    .describe(
      "The person's own DAG roles, each on one DAG or one DAG tag of a Deployment (one role each). Astro needs a Deployment role on that Deployment too: declare it in deploymentRoles.",
    ),
  teams: z
    .array(z.string().trim().min(1))
    .default([])
    .describe(
      "Astro Teams the person joins, by name (or a Team's `name` output), for Teams whose member list is owned elsewhere: the stack adds them, and takes them out again when a name is removed or on destroy (a Team they were in before is left as it is). A Team whose `members` this program declares must list them there instead. Joined after acceptance when Astro refuses pending invitees.",
    ),
  onDelete: OnDeleteSchema.default("demote").describe(
    'On destroy, a member who accepted is demoted to ORGANIZATION_MEMBER ("demote") or left as is ("keep").',
  ),
});
export type InviteInputs = z.output<typeof InputsSchema>;
export type DagRole = InviteInputs["dagRoles"][number];
export type OnDelete = InviteInputs["onDelete"];
export type InputKey = keyof InviteInputs;

export const INPUT_KEYS = Object.keys(InputsSchema.shape) as InputKey[];
/** Inputs whose change means another invite (another person or organization): replace, revoking first. */
export const REPLACE_KEYS = INPUT_KEYS.filter((key) => InputsSchema.shape[key].meta()?.replaces === true);
/** Every other input changes in place. */
export const UPDATE_KEYS = INPUT_KEYS.filter((key) => !REPLACE_KEYS.includes(key));
/**
 * The defaults declared above, by key. Fields with a fallback chain (organizationId, apiUrl) have none
 * here: the program must not decide them, the provider process does (settings.ts).
 */
export const INPUT_DEFAULTS: Partial<InviteInputs> = Object.fromEntries(
  INPUT_KEYS.flatMap((key) => {
    const parsed = InputsSchema.shape[key].safeParse(undefined);
    return parsed.success ? [[key, parsed.data]] : [];
  }),
);

/** Inputs as check returns them: each valid, or the preview placeholder for a value not known yet. */
export type CheckedInputs = { [K in InputKey]: InviteInputs[K] | typeof UNKNOWN };

/**
 * Where the invitee stands. The first four are Astro's user statuses; EXPIRED is a pending invite past its
 * expiry; REVOKED means our invite was withdrawn and no new one was sent yet (both make the next `up`
 * re-send); UNCONFIRMED means a create may have reached Astro but its outcome could not be learned (the
 * next `up` looks the invitee up and records them, or invites them if no one is there).
 */
export const INVITE_STATUSES = [...USER_STATUSES, "EXPIRED", "REVOKED", "UNCONFIRMED"] as const;

/**
 * The resource's outputs as stored in Pulumi state: the inputs, then what Astro told us. Fields added in
 * later versions get defaults, so that state written by an older version reads; `schemaVersion` refuses
 * state written by a newer one.
 */
export const StateSchema = InputsSchema.extend({
  role: z.string().describe("The role Astro reports (after a refresh): any string, since Astronomer may add roles."),
  schemaVersion: z.number().int().default(1).describe("The version of this state's layout (a newer one is refused)."),
  inviteId: z
    .string()
    .default("")
    .describe("The current invite's id; empty for an adopted member, or when the invite's id never reached the stack."),
  userId: z.string().default("").describe("The Astro user (created by the invite, kept on acceptance)."),
  expiresAt: z.string().default("").describe("When the pending invite expires (ISO 8601); empty when unknown."),
  status: z
    .enum(INVITE_STATUSES)
    .default("PENDING")
    .describe(
      "PENDING until accepted, then ACTIVE; EXPIRED past its expiry; REVOKED or UNCONFIRMED until the next up re-sends or confirms it.",
    ),
  inviter: z
    .object({
      id: z.string().describe("The Astro id of the token or user."),
      subjectType: z.string().describe("SERVICEKEY for an API token, USER for a person."),
      displayName: z.string().describe("The token's name, or the user's name or email."),
    })
    .default({ id: "", subjectType: "", displayName: "" })
    .describe("The token or user that sent the invite."),
  organizationName: z.string().default("").describe("The organization's name, as the invite reported it."),
  adopted: z
    .boolean()
    .default(false)
    .describe("The person had a non-pending role before the stack declared them: destroy undoes only what the stack changed."),
  workspaceRoles: z
    .record(z.string(), z.string())
    .default({})
    .describe(
      "The person's workspace roles in the declared workspaces as Astro reports them (workspace id -> role); a workspace whose role is not applied yet is absent.",
    ),
  workspaceRolesBefore: z
    .record(z.string(), z.string())
    .default({})
    .describe(
      "Per workspace the stack declares, the role the person had there before the stack (empty for none): what removing the workspace, or destroy, sets back.",
    ),
  workspaceRolesDeferred: z
    .boolean()
    .default(false)
    .describe(
      "Astro refused the declared workspace, Deployment or DAG roles while the invite is pending: they are applied after the person accepts.",
    ),
  deploymentRoles: z
    .record(z.string(), z.string())
    .default({})
    .describe(
      "The person's Deployment roles on the declared Deployments as Astro reports them (Deployment id -> role); one not applied yet is absent.",
    ),
  deploymentRolesBefore: z
    .record(z.string(), z.string())
    .default({})
    .describe("Per Deployment the stack declares, the role the person had there before the stack (empty for none)."),
  dagRolesBefore: z
    .record(z.string(), z.string())
    .default({})
    .describe(
      "Per DAG or DAG tag the stack declares (deploymentId/dag:ID or deploymentId/tag:TAG), the role the person had there before the stack (empty for none).",
    ),
  workspaceRolesByAstro: z
    .record(z.string(), z.string())
    .default({})
    .describe(
      "Workspace roles Astro added by itself when the stack granted a Deployment or DAG role in a workspace where the person had none (workspace id -> role): Astro's, not drift; taken away with the last such role.",
    ),
  teamsJoined: z
    .record(z.string(), z.string())
    .default({})
    .describe("The Teams this stack added the person to (name -> Team id): what removing a name, or destroy, takes them out of."),
  teamsDeferred: z
    .boolean()
    .default(false)
    .describe("Astro refused to add the pending invitee to the declared Teams: they join after they accept."),
  roleBefore: z
    .string()
    .default("")
    .describe(
      "An adopted member's role before the stack declared them: destroy sets it back while they hold the role the stack set. Empty when not adopted, or adopted by a version that did not record it.",
    ),
});
export type InviteState = z.output<typeof StateSchema>;
export type InviteStatus = InviteState["status"];
export type Inviter = InviteState["inviter"];

const SCHEMA_VERSION = 1;
/** The outputs that are not inputs: present (as undefined) in a resource's props so that Pulumi exposes them. */
export const OUTPUT_KEYS = (Object.keys(StateSchema.shape) as (keyof InviteState)[]).filter(
  (key) => !(INPUT_KEYS as string[]).includes(key),
);

/** What state holds before Astro has said anything about the invite: the declaration, and the defaults. */
export function initialState(inputs: InviteInputs): InviteState {
  // Nothing is applied yet: the reported roles start empty, whatever is declared.
  return { ...StateSchema.parse(inputs), workspaceRoles: {}, deploymentRoles: {}, dagRoles: [], schemaVersion: SCHEMA_VERSION };
}

/** Reads stored outputs, failing clearly on state written by a newer version of this package. */
export function readState(props: Record<string, unknown>): InviteState {
  return readStored(StateSchema, props, SCHEMA_VERSION, "invite");
}

/** Inputs that check already validated, as create and update receive them: only their types are confirmed. */
export function checkedInputs(raw: Record<string, unknown>): InviteInputs {
  const parsed = InputsSchema.safeParse(raw);
  const unknown = INPUT_KEYS.filter((key) => raw[key] === UNKNOWN);
  if (parsed.success && unknown.length === 0) return parsed.data;
  const problems = [
    ...unknown.map((key) => `${key} is not known yet`),
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`)),
  ];
  throw new Error(`The invite's inputs did not come through check: ${problems.join("; ")}`);
}

/** The declared inputs inside a state, as `read` hands them back to the engine (roles as Astro reports them). */
export function inputsOf(state: InviteState): Record<InputKey, unknown> {
  return Object.fromEntries(INPUT_KEYS.map((key) => [key, state[key]])) as Record<InputKey, unknown>;
}

/** Whether two values of a field are the same (records compared entry by entry, in any order). */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === "object" && !Array.isArray(inner) ? Object.fromEntries(Object.entries(inner).sort()) : inner,
  );

/** A pending invite that can no longer be accepted, or none at all: `up` sends a new one. */
export function needsResend(state: InviteState, now: Date = new Date()): boolean {
  if (state.status === "EXPIRED" || state.status === "REVOKED") return true;
  return state.status === "PENDING" && state.expiresAt !== "" && Date.parse(state.expiresAt) <= now.getTime();
}
