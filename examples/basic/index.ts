import * as pulumi from "@pulumi/pulumi";
import { OrganizationUserInvite } from "pulumi-astro-invites";

// The organization, API URL and token come from stack config (astro:organizationId, astro:apiUrl,
// astro:apiToken) or the ASTRO_* environment variables. Roles may differ per stack:
//   pulumi config set analystRole ORGANIZATION_OBSERVE_ADMIN
const config = new pulumi.Config();

const owner = new OrganizationUserInvite("platform-lead", {
  email: "Platform.Lead@Example.com",
  role: "ORGANIZATION_OWNER",
});

const analyst = new OrganizationUserInvite("data-analyst", {
  email: "analyst@example.com",
  role: config.get<"ORGANIZATION_OBSERVE_MEMBER" | "ORGANIZATION_OBSERVE_ADMIN">("analystRole") ?? "ORGANIZATION_OBSERVE_MEMBER",
});

const finance = new OrganizationUserInvite("finance", {
  email: "finance@example.com",
  role: "ORGANIZATION_BILLING_ADMIN",
  // Whoever accepted keeps their billing role even if this stack is destroyed.
  onDelete: "keep",
});

export const members = {
  platformLead: { email: owner.email, role: owner.role, status: owner.status },
  analyst: { email: analyst.email, role: analyst.role, status: analyst.status },
  finance: { email: finance.email, role: finance.role, status: finance.status },
};
export const pendingInviteIds = [owner.inviteId, analyst.inviteId, finance.inviteId];
