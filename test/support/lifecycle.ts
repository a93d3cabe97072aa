import * as lifecycle from "../../provider/invite/lifecycle";
import type { InviteInputs } from "../../provider/invite/inputs";
import type { InviteState } from "../../provider/invite/state";
import type { Emulator } from "../../provider/emulator/server";

/** Points the lifecycle at an emulator the way Pulumi's Configure call would. */
export async function configureFor(emulator: Emulator, token: string = emulator.token): Promise<void> {
  await lifecycle.configure({ config: { get: (key) => ({ "astro:apiToken": token, "astro:apiUrl": emulator.apiUrl })[key] } });
}

/** check, then create, as the engine runs them for a new resource. */
export async function createInvite(emulator: Emulator, args: Partial<InviteInputs> & { email: string }): Promise<{ id: string; outs: InviteState }> {
  const { inputs, failures } = await lifecycle.check({}, { organizationId: emulator.organizationId, ...args });
  if (failures.length) throw new Error(JSON.stringify(failures));
  return lifecycle.create({ ...inputs });
}

/** Throws if any value anywhere in `value` is undefined: the engine would reject it after the API call. */
export function assertNoUndefined(value: unknown, path = "outputs"): void {
  if (value === undefined) throw new Error(`${path} is undefined`);
  if (value && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) assertNoUndefined(inner, `${path}.${key}`);
  }
}
