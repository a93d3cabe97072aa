import * as pulumi from "@pulumi/pulumi";
import { OrganizationUserInvite, OrganizationUserInviteArgs } from "../invite/resource";
import { INPUT_KEYS, OUTPUT_KEYS } from "../invite/schema";
import { Team, TeamArgs } from "../team/resource";
import { TEAM_INPUT_KEYS, TEAM_OUTPUT_KEYS } from "../team/schema";
import { ASTRO_TEAM_TOKEN, INVITE_TOKEN } from "./schema";

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

/** `astro:index:Team` for programs in other languages: the Team's dynamic resource, declared for them. */
export class TeamComponent extends pulumi.ComponentResource {
  readonly outputs: Record<string, pulumi.Output<unknown>>;

  constructor(name: string, args: TeamArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ASTRO_TEAM_TOKEN, name, {}, opts);
    const team = new Team(name, args, { parent: this });
    this.outputs = Object.fromEntries([...TEAM_INPUT_KEYS, ...TEAM_OUTPUT_KEYS].map((key) => [key, team[key]]));
    this.registerOutputs(this.outputs);
  }
}
