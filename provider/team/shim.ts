/* eslint-disable @typescript-eslint/no-require-imports --
   The implementation is required when a method runs, by design (see invite/shim.ts). This is not said
   inside the method: a comment there would be serialized into every resource's state. */
import type * as pulumi from "@pulumi/pulumi";
import type * as Lifecycle from "./lifecycle";

/** The Team's provider as Pulumi serializes it: one line per method, the logic in the installed package (as for the invite). */
const IMPLEMENTATION = "pulumi-astro-invites/team-lifecycle";

function lifecycle(): typeof Lifecycle {
  return require(IMPLEMENTATION);
}

const teamProvider: pulumi.dynamic.ResourceProvider = {
  configure: (req) => lifecycle().configure(req),
  check: (olds, news) => lifecycle().check(olds, news),
  diff: (id, olds, news) => lifecycle().diff(id, olds, news),
  create: (inputs) => lifecycle().create(inputs),
  read: (id, props) => lifecycle().read(id, props),
  update: (id, olds, news) => lifecycle().update(id, olds, news),
  delete: (id, props) => lifecycle().remove(id, props),
};

export = teamProvider;
