/* eslint-disable @typescript-eslint/no-require-imports --
   The implementation is required when a method runs, by design (below). This is not said inside the
   method: a comment there would be serialized into every resource's state. */
import type * as pulumi from "@pulumi/pulumi";
import type * as Lifecycle from "./lifecycle";

/**
 * The provider object Pulumi serializes into state (twice per resource) and runs for refresh and destroy.
 * It holds no logic and no secrets: each method loads the implementation from the installed package when
 * it runs, so the state stays small and upgrading the package changes what older resources run.
 *
 * It is this module's whole export (`export =`): when the package is installed in node_modules, Pulumi's
 * closure serializer then stores just `require("pulumi-astro-invites/provider")` instead of the methods.
 */
const IMPLEMENTATION = "pulumi-astro-invites/lifecycle";

function lifecycle(): typeof Lifecycle {
  return require(IMPLEMENTATION);
}

const invitesProvider: pulumi.dynamic.ResourceProvider = {
  configure: (req) => lifecycle().configure(req),
  check: (olds, news) => lifecycle().check(olds, news),
  diff: (id, olds, news) => lifecycle().diff(id, olds, news),
  create: (inputs) => lifecycle().create(inputs),
  read: (id, props) => lifecycle().read(id, props),
  update: (id, olds, news) => lifecycle().update(id, olds, news),
  delete: (id, props) => lifecycle().remove(id, props),
};

export = invitesProvider;
