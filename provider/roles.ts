/** The five organization roles the Astro API v1 accepts (the Astro CLI and Terraform know only three). */
export const ORGANIZATION_ROLES = [
  "ORGANIZATION_OWNER",
  "ORGANIZATION_BILLING_ADMIN",
  "ORGANIZATION_OBSERVE_ADMIN",
  "ORGANIZATION_OBSERVE_MEMBER",
  "ORGANIZATION_MEMBER",
] as const;

export type OrganizationRole = (typeof ORGANIZATION_ROLES)[number];

/** Least privilege: what a new invite gets when no role is declared, and what an accepted member is left with on delete. */
export const DEFAULT_ROLE: OrganizationRole = "ORGANIZATION_MEMBER";

export function isOrganizationRole(value: string): value is OrganizationRole {
  return (ORGANIZATION_ROLES as readonly string[]).includes(value);
}

/** The five workspace roles (one per workspace), most privileged first. */
export const WORKSPACE_ROLES = [
  "WORKSPACE_OWNER",
  "WORKSPACE_OPERATOR",
  "WORKSPACE_AUTHOR",
  "WORKSPACE_MEMBER",
  "WORKSPACE_ACCESSOR",
] as const;

export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

/** The built-in Deployment role; an organization's custom Deployment roles are named by their ids. */
export const DEPLOYMENT_ROLES = ["DEPLOYMENT_ADMIN"] as const;

/** The built-in DAG roles, most privileged first; custom DAG roles are named by their ids. */
export const DAG_ROLES = ["DAG_AUTHOR", "DAG_VIEWER"] as const;

/** Every role a name can give, in every scope: organization, workspace, Deployment, DAG. */
export const NAMED_ROLES = [...ORGANIZATION_ROLES, ...WORKSPACE_ROLES, ...DEPLOYMENT_ROLES, ...DAG_ROLES] as const;
