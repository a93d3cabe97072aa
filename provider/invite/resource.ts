import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_ROLE, OrganizationRole } from "../roles";
import { normalizeEmail, OnDelete } from "./inputs";
import invitesProvider = require("./shim");
import { INVITE_MODULE, INVITE_TYPE_NAME } from "./resource-type";
import type { InviteStatus, Inviter } from "./state";

export interface OrganizationUserInviteArgs {
  /** The invitee's email address. Trimmed and lowercased; changing it invites a different person (replace). */
  email: pulumi.Input<string>;
  /** One of the five organization roles. Default ORGANIZATION_MEMBER. Changing it updates in place. */
  role?: pulumi.Input<OrganizationRole>;
  /** The Astro organization. Default: stack config astro:organizationId, else env ASTRO_ORGANIZATION_ID. */
  organizationId?: pulumi.Input<string>;
  /** The Astro API base URL. Default: config astro:apiUrl, else env ASTRO_API_URL, else https://api.astronomer.io/v1. */
  apiUrl?: pulumi.Input<string>;
  /** On destroy, a member who accepted is demoted to ORGANIZATION_MEMBER ("demote", the default) or left as is ("keep"). */
  onDelete?: pulumi.Input<OnDelete>;
}

/** Output-only properties: present (as undefined) in the props so that Pulumi exposes them as outputs. */
const OUTPUTS = {
  schemaVersion: undefined,
  inviteId: undefined,
  userId: undefined,
  expiresAt: undefined,
  status: undefined,
  inviter: undefined,
  organizationName: undefined,
  adopted: undefined,
};

/**
 * One person's membership of an Astro organization, from invite to acceptance. Its id is
 * `<organizationId>/<email>` and stays the same across re-invites and acceptance.
 */
export class OrganizationUserInvite extends pulumi.dynamic.Resource {
  declare readonly email: pulumi.Output<string>;
  /** The role the person has in the organization (after a refresh: the role Astro reports). */
  declare readonly role: pulumi.Output<OrganizationRole>;
  declare readonly organizationId: pulumi.Output<string>;
  declare readonly apiUrl: pulumi.Output<string>;
  declare readonly onDelete: pulumi.Output<OnDelete>;
  /** The current invite's id; empty for an adopted member or when the API's answer was lost. */
  declare readonly inviteId: pulumi.Output<string>;
  declare readonly userId: pulumi.Output<string>;
  /** When the pending invite expires (ISO 8601); empty when unknown. */
  declare readonly expiresAt: pulumi.Output<string>;
  /** PENDING until accepted, then ACTIVE; EXPIRED past expiry; REVOKED if a re-send failed half way. */
  declare readonly status: pulumi.Output<InviteStatus>;
  declare readonly inviter: pulumi.Output<Inviter>;
  declare readonly organizationName: pulumi.Output<string>;
  /** The person was a member before this resource existed: destroy leaves them untouched. */
  declare readonly adopted: pulumi.Output<boolean>;
  declare readonly schemaVersion: pulumi.Output<number>;

  constructor(name: string, args: OrganizationUserInviteArgs, opts?: pulumi.CustomResourceOptions) {
    // Normalized here too, so that previews and stack outputs show the email as it will be stored.
    const inputs = {
      ...args,
      email: pulumi.output(args.email).apply(normalizeEmail),
      role: args.role ?? DEFAULT_ROLE,
      onDelete: args.onDelete ?? "demote",
    };
    super(invitesProvider, name, { ...inputs, ...OUTPUTS }, opts, INVITE_MODULE, INVITE_TYPE_NAME);
  }
}
