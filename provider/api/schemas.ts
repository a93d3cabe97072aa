import { z } from "zod";

/**
 * The shapes of the Astro API v1 bodies this package reads. Only what we use is required; anything extra
 * the API sends is ignored, so a new field on Astronomer's side never breaks a `pulumi up`.
 */

export const SubjectProfileSchema = z.object({
  id: z.string(),
  subjectType: z.enum(["USER", "SERVICEKEY"]).optional(),
  username: z.string().optional(),
  fullName: z.string().optional(),
  avatarUrl: z.string().optional(),
  apiTokenName: z.string().optional(),
});
export type SubjectProfile = z.infer<typeof SubjectProfileSchema>;

export const InviteSchema = z.object({
  inviteId: z.string(),
  expiresAt: z.string(),
  invitee: SubjectProfileSchema,
  inviter: SubjectProfileSchema,
  organizationId: z.string(),
  organizationName: z.string().optional(),
  userId: z.string().optional(),
});
export type Invite = z.infer<typeof InviteSchema>;

export const UserStatusSchema = z.enum(["ACTIVE", "INACTIVE", "PENDING", "BANNED"]);
export type UserStatus = z.infer<typeof UserStatusSchema>;

/** Workspace, deployment and DAG roles are carried through untouched when we change an organization role. */
const ScopedRolesSchema = z.array(z.record(z.string(), z.unknown())).optional();

export const UserSchema = z.object({
  id: z.string(),
  username: z.string(),
  fullName: z.string(),
  avatarUrl: z.string(),
  status: UserStatusSchema,
  // A string rather than the role enum: a role Astronomer adds later must not make every read fail.
  organizationRole: z.string().optional(),
  workspaceRoles: ScopedRolesSchema,
  deploymentRoles: ScopedRolesSchema,
  dagRoles: ScopedRolesSchema,
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
export type UsersPage = z.infer<typeof UsersPageSchema>;

export const SubjectRolesSchema = z.object({
  organizationRole: z.string().optional(),
  workspaceRoles: ScopedRolesSchema,
  deploymentRoles: ScopedRolesSchema,
  dagRoles: ScopedRolesSchema,
});
export type SubjectRoles = z.infer<typeof SubjectRolesSchema>;

export const FieldErrorSchema = z.object({ code: z.string(), field: z.string(), message: z.string() });
export type FieldError = z.infer<typeof FieldErrorSchema>;

export const ErrorBodySchema = z.object({
  message: z.string(),
  requestId: z.string(),
  statusCode: z.number().int(),
  fieldErrors: z.array(FieldErrorSchema).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** Names the first offending field of a body that does not match its schema, e.g. `users.3.status: ...`. */
export function describeShapeProblem(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "(body)"}: ${issue.message}`)
    .join("; ");
}
