export { OrganizationUserInvite, OrganizationUserInviteArgs } from "./invite/resource";
export { OrganizationUserInvites, OrganizationUserInvitesArgs, TeamMemberState } from "./team/resource";
export { TeamDeclarationError } from "./team/members";
export type { InviteStatus, Inviter } from "./invite/state";
export type { OnDelete } from "./invite/inputs";
export { ORGANIZATION_ROLES, OrganizationRole } from "./roles";
export { AstroClient, AstroClientOptions, CreateInviteResult } from "./api/client";
export { AstroApiError } from "./api/errors";
export { startEmulator, Emulator, EmulatorOptions } from "./emulator/server";
