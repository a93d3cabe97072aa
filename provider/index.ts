export { OrganizationUserInvite, OrganizationUserInviteArgs, OrganizationUserInviteOutputs } from "./invite/resource";
export { OrganizationUserInvites, OrganizationUserInvitesArgs, TeamMemberState } from "./members/resource";
export { Team, TeamArgs, TeamOutputs } from "./team/resource";
export { TeamDeclarationError } from "./members/members";
export type { InviteStatus, Inviter, OnDelete } from "./invite/schema";
export { ORGANIZATION_ROLES, OrganizationRole } from "./roles";
export { AstroClient, AstroClientOptions, CreateInviteResult, DeleteInviteResult } from "./api/client";
export { AstroApiError, CreateOutcomeUnknownError, ResponseShapeError } from "./api/errors";
