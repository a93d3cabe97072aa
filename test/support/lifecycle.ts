import * as lifecycle from "../../provider/invite/lifecycle";
import { inputsOf, InviteInputs, InviteState } from "../../provider/invite/schema";
import type { Emulator } from "../../provider/emulator/server";

/** Points the lifecycle at an emulator the way Pulumi's Configure call would. */
/** Points the lifecycle at an emulator the way Pulumi's Configure call would, with `env` as the environment. */
export async function configureFor(emulator: Emulator, token: string = emulator.token, env: Record<string, string> = {}): Promise<void> {
  const config: Record<string, string> = token
    ? { "astro:apiToken": token, "astro:apiUrl": emulator.apiUrl }
    : { "astro:apiUrl": emulator.apiUrl };
  await lifecycle.configure({ config: { get: (key) => config[key] } }, env);
}

/** check, then create, as the engine runs them for a new resource. */
export async function createInvite(
  emulator: Emulator,
  args: Partial<InviteInputs> & { email: string },
): Promise<{ id: string; outs: InviteState }> {
  const { inputs, failures } = await lifecycle.check({}, { organizationId: emulator.organizationId, ...args });
  if (failures.length) throw new Error(JSON.stringify(failures));
  return lifecycle.create({ ...inputs });
}

/**
 * The engine's steps on a created invite, each configured afresh as a new provider process would be.
 * `emulator` is asked for at each step, since suites start theirs in a hook.
 */
export function inviteSteps(emulator: () => Emulator) {
  return {
    update: async (id: string, olds: InviteState, changes: Record<string, unknown>) => {
      await configureFor(emulator());
      return (await lifecycle.update(id, { ...olds }, { ...inputsOf(olds), ...changes })).outs;
    },
    refresh: async (id: string, outs: InviteState) => {
      await configureFor(emulator());
      return (await lifecycle.read(id, { ...outs })).props!;
    },
    destroy: async (id: string, outs: InviteState) => {
      await configureFor(emulator());
      return lifecycle.remove(id, { ...outs });
    },
  };
}

/** Throws if any value anywhere in `value` is undefined: the engine would reject it after the API call. */
export function assertNoUndefined(value: unknown, path = "outputs"): void {
  if (value === undefined) throw new Error(`${path} is undefined`);
  if (value && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) assertNoUndefined(inner, `${path}.${key}`);
  }
}

/** Runs `step` and returns the warnings it reported (the lifecycle reports to stderr outside the engine). */
export async function warningsOf(step: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = String(chunk);
    if (text.startsWith("warning: ")) lines.push(text.slice("warning: ".length).trimEnd());
    else return write(chunk, ...rest);
    return true;
  }) as typeof process.stderr.write;
  try {
    await step();
  } finally {
    process.stderr.write = write;
  }
  return lines;
}
