import { z } from "zod";

/**
 * The shapes of the Astro API v1 bodies this package reads. Only what we use is required; anything extra
 * the API sends is ignored, so a new field on Astronomer's side never breaks a `pulumi up`.
 */

/**
 * An id the API hands out (invite, user). Astro's are cuid-style; this admits any plain token of letters,
 * digits, "_" and "-", and nothing that could change a URL path ("/", ".", "..", "%", "?"). Every id that
 * goes into a path is checked against it, whether it came from an answer or from state.
 */
export const ASTRO_ID = /^[A-Za-z0-9_-]{1,64}$/;
const AstroIdSchema = z.string().regex(ASTRO_ID, "must be an id of letters, digits, _ and - (at most 64)");

const SubjectProfileSchema = z.object({
  id: AstroIdSchema,
  subjectType: z.enum(["USER", "SERVICEKEY"]).optional(),
  username: z.string().optional(),
  fullName: z.string().optional(),
  avatarUrl: z.string().optional(),
  apiTokenName: z.string().optional(),
});
export type SubjectProfile = z.infer<typeof SubjectProfileSchema>;

export const InviteSchema = z.object({
  inviteId: AstroIdSchema,
  expiresAt: z.string(),
  invitee: SubjectProfileSchema,
  inviter: SubjectProfileSchema,
  organizationId: z.string(),
  organizationName: z.string().optional(),
  userId: z.string().optional(),
});
export type Invite = z.infer<typeof InviteSchema>;

/** Astro's user statuses; the invite's own status enum extends this one. */
export const USER_STATUSES = ["ACTIVE", "INACTIVE", "PENDING", "BANNED"] as const;
const UserStatusSchema = z.enum(USER_STATUSES);

/** One workspace role (one per workspace); the role as a string, since Astronomer may add roles. */
const WorkspaceRoleSchema = z.object({ workspaceId: AstroIdSchema, role: z.string() });
export type WorkspaceRoleEntry = z.infer<typeof WorkspaceRoleSchema>;
const WorkspaceRolesSchema = z.array(WorkspaceRoleSchema).optional();

/** One Deployment role (one per Deployment): built in, or a custom role's id. */
const DeploymentRoleSchema = z.object({ deploymentId: AstroIdSchema, role: z.string() });
export type DeploymentRoleEntry = z.infer<typeof DeploymentRoleSchema>;

/** One DAG role on a Deployment: for one DAG (`dagId`) or every DAG with a tag (`dagTag`). */
const DagRoleSchema = z.object({
  deploymentId: AstroIdSchema,
  role: z.string(),
  dagId: z.string().optional(),
  dagTag: z.string().optional(),
});
export type DagRoleEntry = z.infer<typeof DagRoleSchema>;

const ScopedRoles = { deploymentRoles: z.array(DeploymentRoleSchema).optional(), dagRoles: z.array(DagRoleSchema).optional() };

/** The lists of a roles POST below the organization; a list the body omits is kept (see AstroClient.updateOrganizationRole). */
export interface RoleLists {
  workspaceRoles?: WorkspaceRoleEntry[];
  deploymentRoles?: DeploymentRoleEntry[];
  dagRoles?: DagRoleEntry[];
}

export const UserSchema = z.object({
  id: AstroIdSchema,
  username: z.string(),
  fullName: z.string(),
  avatarUrl: z.string(),
  status: UserStatusSchema,
  // A string rather than the role enum: a role Astronomer adds later must not make every read fail.
  organizationRole: z.string().optional(),
  workspaceRoles: WorkspaceRolesSchema,
  ...ScopedRoles,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type User = z.infer<typeof UserSchema>;

export const UsersPageSchema = z.object({
  limit: z.number().int(),
  offset: z.number().int(),
  totalCount: z.number().int(),
  users: z.array(UserSchema),
});

export const SubjectRolesSchema = z.object({
  organizationRole: z.string().optional(),
  workspaceRoles: WorkspaceRolesSchema,
  ...ScopedRoles,
});
export type SubjectRoles = z.infer<typeof SubjectRolesSchema>;

/** A Team, as its own reads and a user's Teams list show it: its roles, never its members. */
export const TeamSchema = z.object({
  id: AstroIdSchema,
  name: z.string(),
  description: z.string().optional(),
  // A string rather than the role enum, as for users.
  organizationRole: z.string().optional(),
  workspaceRoles: WorkspaceRolesSchema,
  ...ScopedRoles,
  isIdpManaged: z.boolean(),
});
export type Team = z.infer<typeof TeamSchema>;
export const TeamsPageSchema = z.object({ totalCount: z.number().int(), teams: z.array(TeamSchema) });

const TeamMemberSchema = z.object({ userId: AstroIdSchema, username: z.string() });
export type TeamMember = z.infer<typeof TeamMemberSchema>;
export const TeamMembersPageSchema = z.object({ totalCount: z.number().int(), teamMembers: z.array(TeamMemberSchema) });

export const OrganizationSchema = z.object({ id: AstroIdSchema, name: z.string(), isScimEnabled: z.boolean() });
export type Organization = z.infer<typeof OrganizationSchema>;

const WorkspaceSchema = z.object({ id: AstroIdSchema, name: z.string() });
export type Workspace = z.infer<typeof WorkspaceSchema>;
export const WorkspacesPageSchema = z.object({
  limit: z.number().int(),
  offset: z.number().int(),
  totalCount: z.number().int(),
  workspaces: z.array(WorkspaceSchema),
});

/** A Deployment, with the workspace it belongs to (a Deployment or DAG role needs a role there). */
const DeploymentSchema = z.object({ id: AstroIdSchema, name: z.string(), workspaceId: AstroIdSchema });
export type Deployment = z.infer<typeof DeploymentSchema>;
export const DeploymentsPageSchema = z.object({ totalCount: z.number().int(), deployments: z.array(DeploymentSchema) });

const FieldErrorSchema = z.object({ code: z.string(), field: z.string(), message: z.string() });
export type FieldError = z.infer<typeof FieldErrorSchema>;

export const ErrorBodySchema = z.object({
  message: z.string(),
  requestId: z.string(),
  statusCode: z.number().int(),
  fieldErrors: z.array(FieldErrorSchema).optional(),
});

/** How Astro's emails are matched: ignoring case and surrounding spaces (the Astro CLI lowercases them). */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/** Names the first offending field of a body that does not match its schema, e.g. `users.3.status: ...`. */
export function describeShapeProblem(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "(body)"}: ${issue.message}`)
    .join("; ");
}
