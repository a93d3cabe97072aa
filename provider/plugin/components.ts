import * as pulumi from "@pulumi/pulumi";
import { OrganizationUserInvite, OrganizationUserInviteArgs } from "../invite/resource";
import { INPUT_KEYS, OUTPUT_KEYS } from "../invite/schema";
import { INVITE_TOKEN } from "./schema";

/**
 * `astro:index:OrganizationUserInvite` for programs in other languages: only a Node.js program can declare
 * a dynamic resource, so this component declares one for them, under its own name, and shows its outputs.
 */
export class OrganizationUserInviteComponent extends pulumi.ComponentResource {
  readonly outputs: Record<string, pulumi.Output<unknown>>;

  constructor(name: string, args: OrganizationUserInviteArgs, opts?: pulumi.ComponentResourceOptions) {
    super(INVITE_TOKEN, name, {}, opts);
    const invite = new OrganizationUserInvite(name, args, { parent: this });
    this.outputs = Object.fromEntries([...INPUT_KEYS, ...OUTPUT_KEYS].map((key) => [key, invite[key]]));
    this.registerOutputs(this.outputs);
  }
}
