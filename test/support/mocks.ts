import * as pulumi from "@pulumi/pulumi";

/**
 * Runs programs under Pulumi's mocks: every registered resource is recorded in the returned list, and
 * its state is its inputs plus what `outputs` adds (what the provider would have answered).
 */
export function mockResources(
  outputs: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown>,
): pulumi.runtime.MockResourceArgs[] {
  const registered: pulumi.runtime.MockResourceArgs[] = [];
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push(args);
        return { id: `${args.name}-id`, state: { ...args.inputs, ...outputs(args) } };
      },
      call: () => ({}),
    },
    "astro-test",
    "dev",
    false,
  );
  return registered;
}
