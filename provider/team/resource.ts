import * as pulumi from "@pulumi/pulumi";
import { ownsMembers } from "../ownership";
import { TEAM_MODULE, TEAM_TYPE_NAME } from "./resource-type";
import { TEAM_INPUT_DEFAULTS, TEAM_OUTPUT_KEYS, TeamInputs, TeamState } from "./schema";
import teamProvider = require("./shim");

/**
 * The Team's arguments, from the schema (provider/team/schema.ts, where each is described): `name` is
 * required; every other input has a default or a fallback from stack config and the environment.
 * `members` takes emails, plain or an invite's `email` output (so that the invite goes first).
 */
export type TeamArgs = { [K in Exclude<keyof TeamInputs, "members">]?: pulumi.Input<TeamInputs[K]> } & {
  name: pulumi.Input<string>;
  members?: pulumi.Input<pulumi.Input<string>[]>;
};

/** The Team's outputs: every field of the stored state (schema.ts). */
export type TeamOutputs = { readonly [K in keyof TeamState]: pulumi.Output<TeamState[K]> };

const OUTPUTS = Object.fromEntries(TEAM_OUTPUT_KEYS.map((key) => [key, undefined]));

/**
 * An Astro Team: its name, roles and (optionally) its whole member list, by email. Its id is the
 * Team's Astro id. A Team of that name that exists already is adopted; destroy then sets it back.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface below
export class Team extends pulumi.dynamic.Resource {
  constructor(name: string, args: TeamArgs, opts?: pulumi.CustomResourceOptions) {
    super(teamProvider, name, { ...TEAM_INPUT_DEFAULTS, ...args, ...OUTPUTS }, opts, TEAM_MODULE, TEAM_TYPE_NAME);
    if (args.members !== undefined && args.members !== null) ownsMembers(args.name, name);
  }
}

// The engine sets every output from the props' keys; their types are declared once, in the schema.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- outputs only, no members of their own
export interface Team extends TeamOutputs {}
