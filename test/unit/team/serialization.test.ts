import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import requireFromString = require("require-from-string");
import teamProvider = require("../../../provider/team/shim");
import { Emulator, startEmulator } from "../../../provider/emulator/server";

describe("the Team's serialized provider (__provider)", () => {
  let emulator: Emulator;
  before(async () => (emulator = await startEmulator({ rateLimits: false })));
  after(() => emulator.stop());

  it("is small, holds no token and, loaded as the host loads it, creates and deletes a Team", async () => {
    process.env.ASTRO_API_TOKEN = emulator.token;
    const text = (await pulumi.runtime.serializeFunction(() => teamProvider, { allowSecrets: true })).text;
    delete process.env.ASTRO_API_TOKEN;
    expect(text.length).to.be.at.most(2500);
    expect(text).not.to.contain(emulator.token);
    expect(text).to.contain("require(IMPLEMENTATION)");

    const provider = requireFromString(text).handler() as pulumi.dynamic.ResourceProvider;
    const config = { get: (key: string) => ({ "astro:apiToken": emulator.token })[key], require: () => "" };
    await provider.configure!({ config });
    const { inputs, failures } = await provider.check!(
      {},
      { name: "Serialized", organizationId: emulator.organizationId, apiUrl: emulator.apiUrl },
    );
    expect(failures).to.deep.equal([]);
    const { id, outs } = await provider.create(inputs);
    expect(emulator.organization().teams.map((team) => [team.id, team.name])).to.deep.equal([[id, "Serialized"]]);
    await provider.configure!({ config });
    await provider.delete!(id, outs);
    expect(emulator.organization().teams).to.deep.equal([]);
  });
});
