import { z } from "zod";
import { InputsSchema } from "../invite/schema";

/**
 * The team component's arguments as data: what each means, for the package schema that other languages'
 * SDKs are generated from (provider/plugin/schema.ts). The TypeScript types in resource.ts name the same
 * fields; the checks that give file-line errors are in members.ts.
 */
const { email, role, workspaceRoles, deploymentRoles, dagRoles, teams, ...inviteSettings } = InputsSchema.shape;

const TeamMemberSchema = z.object({
  email,
  role: role.optional().describe("The member's organization role; the declaration's default role when omitted."),
  workspaceRoles: workspaceRoles
    .optional()
    .describe("The member's workspace roles (workspace id -> role), over the default workspace roles."),
  deploymentRoles: deploymentRoles
    .optional()
    .describe("The member's Deployment roles (Deployment id -> role), over the default Deployment roles."),
  dagRoles: dagRoles.optional().describe("The member's DAG roles, beside the defaults' (replacing one for the same DAG or tag)."),
  teams: teams.optional().describe("Astro Teams this member joins, by name, beside the defaults' teams."),
  aliases: z
    .array(z.string())
    .optional()
    .describe(
      "Where this person's invite was declared before it moved into this team (the name of an OrganizationUserInvite at the program's top level, or the earlier resource's URN), so that Pulumi moves its record instead of inviting again and revoking the old invite.",
    ),
});

export const TeamArgsSchema = z.object({
  file: z
    .string()
    .optional()
    .describe(
      "A member file: `email ROLE` lines (ROLE optional, `WORKSPACE_ID=ROLE`, `deployment:ID=ROLE`, `dag:ID/DAG=ROLE`, `dagtag:ID/TAG=ROLE` and `team:NAME` fields, `#` comments) or CSV with an `email,role` header. A relative path is read from the program's directory.",
    ),
  members: z.array(TeamMemberSchema).optional().describe("The team inline, instead of a file."),
  defaults: z
    .object({
      role: role.optional(),
      workspaceRoles: workspaceRoles.optional(),
      deploymentRoles: deploymentRoles.optional(),
      dagRoles: dagRoles.optional(),
      teams: teams.optional(),
      ...z.object(inviteSettings).partial().shape,
    })
    .optional()
    .describe("Applied to every member: the invites' settings other than email, and the role of members without one."),
});

export const TeamOutputsSchema = z.object({
  members: z
    .record(
      z.string(),
      z.object({
        status: z.string().describe("PENDING until accepted, then ACTIVE (see OrganizationUserInvite's status)."),
        role: z.string().describe("The role Astro reports."),
        inviteId: z.string().describe("The current invite's id."),
        userId: z.string().describe("The Astro user."),
      }),
    )
    .describe("Per email: status, role, inviteId and userId."),
  counts: z.record(z.string(), z.number().int()).describe("How many members are in each status (PENDING, ACTIVE, ...)."),
});
