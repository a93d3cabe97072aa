/** The module and type the invite registers under, and the type token Pulumi derives from them. */
export const INVITE_MODULE = "astro";
export const INVITE_TYPE_NAME = "OrganizationUserInvite";
export const INVITE_TYPE = `pulumi-nodejs:dynamic/${INVITE_MODULE}:${INVITE_TYPE_NAME}`;
