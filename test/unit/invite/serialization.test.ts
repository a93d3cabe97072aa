import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import requireFromString = require("require-from-string");
import invitesProvider = require("../../../provider/invite/shim");
import { Emulator, startEmulator } from "../../../provider/emulator/server";

/** Loads serialized provider text the way the dynamic-provider host does. */
function load(text: string): pulumi.dynamic.ResourceProvider {
  return requireFromString(text).handler() as pulumi.dynamic.ResourceProvider;
}

function stackConfig(values: Record<string, string>): pulumi.dynamic.Config {
  return {
    get: (key) => values[key],
    require: (key) => values[key] ?? "",
  };
}

describe("the serialized provider (__provider)", () => {
  let emulator: Emulator;
  let text: string;
  before(async () => {
    emulator = await startEmulator({ rateLimits: false });
    // Present in the environment while serializing: it must not be captured.
    process.env.ASTRO_API_TOKEN = emulator.token;
    text = (await pulumi.runtime.serializeFunction(() => invitesProvider, { allowSecrets: true })).text;
    delete process.env.ASTRO_API_TOKEN;
  });
  after(() => emulator.stop());

  it("is at most 2.5 KB and holds no token and no path", () => {
    expect(text.length).to.be.at.most(2500);
    expect(text).not.to.contain(emulator.token);
    expect(text).not.to.contain(process.cwd());
    expect(text).to.contain("require(IMPLEMENTATION)");
  });

  it("loaded as the host loads it, creates and deletes an invite against the emulator", async () => {
    const provider = load(text);
    await provider.configure!({ config: stackConfig({ "astro:apiToken": emulator.token }) });
    const { inputs, failures } = await provider.check!(
      {},
      { email: "Serialized@Example.com", organizationId: emulator.organizationId, apiUrl: emulator.apiUrl },
    );
    expect(failures).to.deep.equal([]);
    const { id, outs } = await provider.create(inputs);
    expect(id).to.equal(`${emulator.organizationId}/serialized@example.com`);
    expect(emulator.organization().users.map((u) => u.username)).to.deep.equal(["serialized@example.com"]);
    // The destroy is a command of its own, which Configure opens.
    await provider.configure!({ config: stackConfig({ "astro:apiToken": emulator.token }) });
    await provider.delete!(id, outs);
    expect(emulator.organization().users).to.deep.equal([]);
  });

  it("runs the implementation installed when it runs, not the one present when it was serialized", async () => {
    const project = mkdtempSync(join(tmpdir(), "astro-upgrade-"));
    const pkg = join(project, "node_modules", "pulumi-astro-invites");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, "package.json"),
      JSON.stringify({ name: "pulumi-astro-invites", exports: { "./lifecycle": "./lifecycle.js" } }),
    );
    writeFileSync(join(pkg, "lifecycle.js"), 'exports.create = async () => ({ id: "upgraded", outs: { implementation: "v2" } });');
    writeFileSync(join(project, "provider.js"), text);
    // A fresh process, as after an upgrade: the host resolves the implementation from the project's node_modules.
    const script = `require(${JSON.stringify(require.resolve("require-from-string"))})(require("fs").readFileSync("provider.js", "utf8")).handler().create({}).then((r) => console.log(JSON.stringify(r)))`;
    try {
      const output = execFileSync(process.execPath, ["-e", script], { cwd: project, encoding: "utf8" });
      expect(JSON.parse(output)).to.deep.equal({ id: "upgraded", outs: { implementation: "v2" } });
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
