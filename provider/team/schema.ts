import { z } from "zod";
import { DagRoleSchema } from "../invite/schema";
import { readStored } from "../stored-state";
import { DEFAULT_ROLE, ORGANIZATION_ROLES, WORKSPACE_ROLES } from "../roles";

/**
 * The Astro Team, declared once: each field with what it means, its default and what changing it does.
 * The resource's argument and output types, the stored-state reader and the inputs handed back on
 * refresh all derive from here.
 */

const EmailSchema = z.string().trim().toLowerCase();

export const TeamInputsSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .describe(
      "The Team's name in Astro. No Team of that name: one is created; exactly one: it is adopted as found; two or more: refused. Changing it renames the Team in place.",
    ),
  description: z.string().default("").describe("The Team's description in Astro. Changing it updates in place."),
  organizationRole: z
    .enum(ORGANIZATION_ROLES)
    .default(DEFAULT_ROLE)
    .describe("The organization role every member holds through the Team. Changing it updates in place: every member gains or loses it."),
  workspaceRoles: z
    .record(z.string(), z.enum(WORKSPACE_ROLES))
    .default({})
    .describe(
      "The Team's workspace roles: Astro workspace id -> one of WORKSPACE_OWNER, WORKSPACE_OPERATOR, WORKSPACE_AUTHOR, WORKSPACE_MEMBER, WORKSPACE_ACCESSOR. The whole list: a workspace left out loses the Team's role there.",
    ),
  deploymentRoles: z
    .record(z.string(), z.string())
    .default({})
    .describe(
      "The Team's Deployment roles: Astro Deployment id -> DEPLOYMENT_ADMIN or the id of one of the organization's custom Deployment roles. The whole list: a Deployment left out loses the Team's role there. Where workspaceRoles gives the Team no role in a Deployment's workspace, Astro adds WORKSPACE_ACCESSOR there: the stack records it as Astro's (workspaceRolesByAstro), never as drift, and it leaves with the Deployment role.",
    ),
  dagRoles: z
    .array(DagRoleSchema)
    .default([])
    .describe(
      "The Team's DAG roles, each on one DAG or one DAG tag of a Deployment (one role each). The whole list, like deploymentRoles; Astro needs a Deployment role on that Deployment too: declare it in deploymentRoles.",
    ),
  members: z
    .array(EmailSchema)
    .nullable()
    .default(null)
    .describe(
      "The Team's whole member list for this stack, by email: anyone else in the Team (added outside the stack) is removed by `up`. Each must be a user of the organization, or invited by an OrganizationUserInvite of the program (pass its `email` output). A pending invitee whom Astro does not let join yet is added after they accept. Not set: the stack does not own the member list.",
    ),
  organizationId: z.string().min(1).meta({
    replaces: true,
    description:
      "The Astro organization. Fallbacks: stack config astro:organizationId, then env ASTRO_ORGANIZATION_ID. Changing it replaces.",
  }),
  apiUrl: z
    .string()
    .min(1)
    .describe("The Astro API base URL. Fallbacks: config astro:apiUrl, then env ASTRO_API_URL, then https://api.astronomer.io/v1."),
});
export type TeamInputs = z.output<typeof TeamInputsSchema>;
export type TeamInputKey = keyof TeamInputs;
export const TEAM_INPUT_KEYS = Object.keys(TeamInputsSchema.shape) as TeamInputKey[];
export const TEAM_REPLACE_KEYS = TEAM_INPUT_KEYS.filter((key) => TeamInputsSchema.shape[key].meta()?.replaces === true);
export const TEAM_UPDATE_KEYS = TEAM_INPUT_KEYS.filter((key) => !TEAM_REPLACE_KEYS.includes(key));
/** The defaults declared above, by key (organizationId and apiUrl have fallbacks the provider process decides). */
export const TEAM_INPUT_DEFAULTS: Partial<TeamInputs> = Object.fromEntries(
  TEAM_INPUT_KEYS.flatMap((key) => {
    const parsed = TeamInputsSchema.shape[key].safeParse(undefined);
    return parsed.success ? [[key, parsed.data]] : [];
  }),
);

const ReportedMemberSchema = z.object({
  email: z.string(),
  userId: z.string(),
  status: z.string().describe("The member's status in the organization: ACTIVE, or PENDING until they accept their invite."),
});

/** What a Team looks like in Astro: its own fields and members. What adoption records, and what restore sets back. */
const FoundSchema = z.object({
  name: z.string(),
  description: z.string(),
  organizationRole: z.string(),
  workspaceRoles: z.record(z.string(), z.string()),
  // Found by a version before Deployment and DAG roles: it recorded none.
  deploymentRoles: z.record(z.string(), z.string()).default({}),
  dagRoles: z.array(DagRoleSchema).default([]),
  members: z.array(z.string()),
});
export type Found = z.infer<typeof FoundSchema>;

/**
 * The Team's outputs as stored in Pulumi state: the inputs as Astro reports them (after a refresh, the
 * name, roles and members it has), then what only Astro and the stack's history can say.
 */
export const TeamStateSchema = TeamInputsSchema.extend({
  organizationRole: z.string().describe("The organization role the Team grants, as Astro reports it."),
  workspaceRoles: z
    .record(z.string(), z.string())
    .default({})
    .describe("The Team's workspace roles, as Astro reports them (without the ones Astro added itself: workspaceRolesByAstro)."),
  deploymentRoles: z.record(z.string(), z.string()).default({}).describe("The Team's Deployment roles, as Astro reports them."),
  dagRoles: z.array(DagRoleSchema).default([]).describe("The Team's DAG roles, as Astro reports them."),
  workspaceRolesByAstro: z
    .record(z.string(), z.string())
    .default({})
    .describe(
      "WORKSPACE_ACCESSOR roles Astro gave the Team itself, in the workspace of one of its Deployment or DAG roles that workspaceRoles does not name (workspace id -> role): Astro's, not drift; they leave with those roles.",
    ),
  schemaVersion: z.number().int().default(1).describe("The version of this state's layout (a newer one is refused)."),
  teamId: z.string().describe("The Astro Team's id."),
  isIdpManaged: z
    .boolean()
    .default(false)
    .describe("Whether the organization's identity provider manages the Team (then it is never written)."),
  reportedMembers: z
    .array(ReportedMemberSchema)
    .default([])
    .describe("Everyone in the Team, as Astro reports them: email, user id and status."),
  membersWaiting: z
    .array(z.string())
    .default([])
    .describe(
      "Declared members Astro would not add while their invite is pending: added by the first `up` after a refresh sees them accept.",
    ),
  membersAdded: z.array(z.string()).default([]).describe("For an adopted Team: the members this stack added (destroy removes only these)."),
  adopted: z
    .boolean()
    .default(false)
    .describe("The Team existed before the stack declared it: destroy sets back what was found instead of deleting it."),
  found: FoundSchema.nullable()
    .default(null)
    .describe("What an adopted Team was when the stack first declared it: its name, description, roles and members."),
});
export type TeamState = z.output<typeof TeamStateSchema>;

const SCHEMA_VERSION = 1;
export const TEAM_OUTPUT_KEYS = (Object.keys(TeamStateSchema.shape) as (keyof TeamState)[]).filter(
  (key) => !(TEAM_INPUT_KEYS as string[]).includes(key),
);

/** Reads stored outputs, failing clearly on state written by a newer version of this package. */
export function readTeamState(props: Record<string, unknown>): TeamState {
  return readStored(TeamStateSchema, props, SCHEMA_VERSION, "Team");
}

/** The declared inputs inside a state, as `read` hands them back to the engine. */
export function teamInputsOf(state: TeamState): Record<TeamInputKey, unknown> {
  return Object.fromEntries(TEAM_INPUT_KEYS.map((key) => [key, state[key]])) as Record<TeamInputKey, unknown>;
}

export const withSchemaVersion = (state: Omit<TeamState, "schemaVersion">): TeamState => ({ ...state, schemaVersion: SCHEMA_VERSION });
