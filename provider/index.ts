export { OrganizationUserInvite, OrganizationUserInviteArgs } from "./invite/resource";
export type { InviteStatus, Inviter } from "./invite/state";
export type { OnDelete } from "./invite/inputs";
export { ORGANIZATION_ROLES, OrganizationRole } from "./roles";
export { AstroClient, AstroClientOptions, CreateInviteResult } from "./api/client";
export { AstroApiError } from "./api/errors";
export { startEmulator, Emulator, EmulatorOptions } from "./emulator/server";
