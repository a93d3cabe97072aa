import * as pulumi from "@pulumi/pulumi";
import { joins } from "../ownership";
import { continuityAlias } from "./continuity";
import { INVITE_MODULE, INVITE_TYPE_NAME } from "./resource-type";
import { INPUT_DEFAULTS, InviteInputs, InviteState, normalizeEmail, OUTPUT_KEYS } from "./schema";
import invitesProvider = require("./shim");

/**
 * The resource's arguments, from the schema (provider/invite/schema.ts, where each is described): `email`
 * is required; every other input has a default or a fallback from stack config and the environment.
 */
export type OrganizationUserInviteArgs = { [K in keyof InviteInputs]?: pulumi.Input<InviteInputs[K]> } & { email: pulumi.Input<string> };

/** The resource's outputs: every field of the stored state (schema.ts). */
export type OrganizationUserInviteOutputs = { readonly [K in keyof InviteState]: pulumi.Output<InviteState[K]> };

/** Output-only keys present (as undefined) in the props, so that Pulumi exposes them as outputs. */
const OUTPUTS = Object.fromEntries(OUTPUT_KEYS.map((key) => [key, undefined]));

/**
 * One person's membership of an Astro organization, from invite to acceptance. Its id is
 * `<organizationId>/<email>` and stays the same across re-invites and acceptance.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface below
export class OrganizationUserInvite extends pulumi.dynamic.Resource {
  constructor(name: string, args: OrganizationUserInviteArgs, opts?: pulumi.CustomResourceOptions) {
    // Normalized and defaulted here too, so that previews and stack outputs show what will be stored.
    const inputs = { ...INPUT_DEFAULTS, ...args, email: pulumi.output(args.email).apply(normalizeEmail) };
    // Moved or renamed without `aliases`, it continues the stack's record of the person (continuity.ts).
    const plain = (value: unknown) => (typeof value === "string" ? value : undefined);
    const continuity = continuityAlias({ name, email: plain(args.email), organizationId: plain(args.organizationId) });
    const aliases = [...(opts?.aliases ?? []), continuity];
    super(invitesProvider, name, { ...inputs, ...OUTPUTS }, { ...opts, aliases }, INVITE_MODULE, INVITE_TYPE_NAME);
    if (args.teams !== undefined) joins(args.teams, name);
  }
}

// The engine sets every output from the props' keys; their types are declared once, in the schema.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- outputs only, no members of their own
export interface OrganizationUserInvite extends OrganizationUserInviteOutputs {}
