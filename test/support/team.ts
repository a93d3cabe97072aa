import { expect } from "chai";
import type { Emulator } from "../../provider/emulator/server";
import * as lifecycle from "../../provider/team/lifecycle";
import type { TeamState } from "../../provider/team/schema";
import { assertNoUndefined, configureFor } from "./lifecycle";

/**
 * The engine's steps on a Team against an emulator: check, create (after check), and a refresh followed
 * by the diff and update a following `up` runs. `emulator` is asked for at each step, since suites start
 * theirs in a hook.
 */
export function teamSteps(emulator: () => Emulator) {
  const check = (args: Record<string, unknown>) => lifecycle.check({}, { organizationId: emulator().organizationId, ...args });
  return {
    check,
    create: async (args: Record<string, unknown>): Promise<TeamState> => {
      const { inputs, failures } = await check(args);
      if (failures.length) throw new Error(JSON.stringify(failures));
      const { outs } = await lifecycle.create({ ...inputs });
      assertNoUndefined(outs);
      return outs;
    },
    /** refresh, then what a following `up` of `args` runs: whether the diff saw changes, the refreshed state and the state after. */
    refreshAndUp: async (state: TeamState, args: Record<string, unknown>) => {
      await configureFor(emulator()); // `pulumi refresh` and `up` are operations of their own
      const refreshed = (await lifecycle.read(state.teamId, state)).props!;
      const { inputs, failures } = await check(args);
      if (failures.length) throw new Error(JSON.stringify(failures));
      const diff = await lifecycle.diff(state.teamId, refreshed, { ...inputs });
      if (!diff.changes) return { changed: false, refreshed, state: refreshed };
      expect(diff.replaces).to.deep.equal([]);
      return { changed: true, refreshed, state: (await lifecycle.update(state.teamId, refreshed, { ...inputs })).outs };
    },
  };
}
