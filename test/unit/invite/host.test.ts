import { expect } from "chai";
import { inputsOf, readState, UNKNOWN } from "../../../provider/invite/schema";
import { Emulator, startEmulator } from "../../../provider/emulator/server";
import { ProviderHost } from "../../support/host";

describe("the real dynamic-provider host over gRPC", function () {
  let emulator: Emulator;
  let host: ProviderHost;
  before(async () => {
    emulator = await startEmulator({ rateLimits: false });
    host = await ProviderHost.start();
    await host.configure({
      "astro:apiToken": emulator.token,
      "astro:organizationId": emulator.organizationId,
      "astro:apiUrl": emulator.apiUrl,
    });
  });
  after(async () => {
    host.stop();
    await emulator.stop();
  });

  const strip = ({ __provider: _p, ...rest }: Record<string, unknown>) => rest;
  const declared = (props: Record<string, unknown>, changes: Record<string, unknown> = {}) => ({
    ...inputsOf(readState(props)),
    ...changes,
  });

  it("Check: normalizes with stack config as the fallbacks", async () => {
    const { inputs, failures } = await host.check({ email: " Jane@Example.com" });
    expect(failures).to.deep.equal([]);
    expect(strip(inputs)).to.deep.equal({
      email: "jane@example.com",
      role: "ORGANIZATION_MEMBER",
      organizationId: emulator.organizationId,
      apiUrl: emulator.apiUrl,
      workspaceRoles: {},
      deploymentRoles: {},
      dagRoles: [],
      teams: [],
      onDelete: "demote",
    });
  });

  it("Check: reports each invalid property", async () => {
    const { failures } = await host.check({ email: "jane", role: "OWNER" });
    expect(failures.map((f) => f.property)).to.deep.equal(["email", "role"]);
    expect(failures[1].reason).to.contain("ORGANIZATION_OWNER, ORGANIZATION_BILLING_ADMIN");
  });

  it("Check: passes preview's unknowns through", async () => {
    const { inputs, failures } = await host.check({ email: UNKNOWN, role: UNKNOWN });
    expect(failures).to.deep.equal([]);
    expect(inputs).to.include({ email: UNKNOWN, role: UNKNOWN });
  });

  it("Create, Diff, Update, Read and Delete through an invite's life", async () => {
    const { inputs } = await host.check({ email: "jane@example.com" });
    const created = await host.create(inputs);
    expect(created.id).to.equal(`${emulator.organizationId}/jane@example.com`);
    expect(created.properties).to.include({ status: "PENDING", adopted: false, email: "jane@example.com" });
    expect(created.properties.__provider).to.equal(host.providerText);
    const olds = created.properties;

    expect(await host.diff(created.id, olds, inputs)).to.deep.equal({ changes: "none", replaces: [], deleteBeforeReplace: false });
    expect(await host.diff(created.id, olds, declared(olds, { role: "ORGANIZATION_OWNER" }))).to.include({ changes: "some" });
    expect(await host.diff(created.id, olds, declared(olds, { email: "john@example.com" }))).to.deep.equal({
      changes: "some",
      replaces: ["email"],
      deleteBeforeReplace: true,
    });
    expect((await host.diff(created.id, { ...olds, expiresAt: "2020-01-01T00:00:00.000Z" }, inputs)).changes).to.equal("some");

    const pending = await host.read(created.id, olds);
    expect(pending.id).to.equal(created.id);
    expect(pending.properties).to.include({ status: "PENDING" });
    expect(strip(pending.inputs)).to.deep.equal(declared(olds));

    const updated = await host.update(created.id, olds, declared(olds, { role: "ORGANIZATION_OWNER" }));
    expect(updated).to.include({ role: "ORGANIZATION_OWNER", status: "PENDING" });
    expect(updated.inviteId).not.to.equal(olds.inviteId);

    emulator.state.acceptInvite(updated.inviteId as string);
    const accepted = await host.read(created.id, updated);
    expect(accepted.properties).to.include({ status: "ACTIVE", role: "ORGANIZATION_OWNER" });

    // The destroy is a command of its own, so a host process of its own, as the engine starts one per command
    // (in one process, a delete after the create of the same person is the old half of a move: a hand-over).
    const destroyer = await ProviderHost.start();
    try {
      await destroyer.configure({ "astro:apiToken": emulator.token, "astro:apiUrl": emulator.apiUrl });
      await destroyer.delete(created.id, accepted.properties);
      expect(emulator.organization().users.find((u) => u.username === "jane@example.com")).to.include({
        organizationRole: "ORGANIZATION_MEMBER",
      });
      emulator.state.removeUserOutOfBand(emulator.organizationId, updated.userId as string);
      expect((await destroyer.read(created.id, accepted.properties)).id).to.equal("");
    } finally {
      destroyer.stop();
    }
  });

  it("never sends the token anywhere it could be stored", async () => {
    const { inputs } = await host.check({ email: "token-check@example.com" });
    const created = await host.create(inputs);
    expect(JSON.stringify(created)).not.to.contain(emulator.token);
    expect(host.stderr.join("")).not.to.contain(emulator.token);
    await host.delete(created.id, created.properties);
  });
});
