/** The module and type the Team registers under, and the type token Pulumi derives from them. */
export const TEAM_MODULE = "astro";
export const TEAM_TYPE_NAME = "Team";
export const TEAM_TYPE = `pulumi-nodejs:dynamic/${TEAM_MODULE}:${TEAM_TYPE_NAME}`;
