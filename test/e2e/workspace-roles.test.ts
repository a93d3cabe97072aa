import { expect } from "chai";
import { Emulator, startEmulator } from "../../provider/emulator/server";
import { PulumiWorkspace } from "../../scripts/lib/workspace";
import { review } from "../support/review";
import { newStack } from "../support/stacks";

/**
 * Workspace roles declared with the person, under the real CLI, one stack through the whole life the
 * issue names: invited with two workspace roles, which Astro takes only after acceptance; a role changed
 * in the UI, seen by refresh and restored by up; a workspace removed from the map; destroy. A Team's grant
 * and a role of their own the stack never declared are there throughout and never touched.
 */
describe("workspace roles under the real Pulumi CLI", function () {
  this.timeout(15 * 60_000);
  let emulator: Emulator;
  let stack: PulumiWorkspace;
  const ws: Record<"data" | "ml" | "ops" | "extra", string> = { data: "", ml: "", ops: "", extra: "" };
  before(async () => {
    emulator = await startEmulator();
    for (const name of Object.keys(ws) as (keyof typeof ws)[]) ws[name] = emulator.state.createWorkspace(emulator.organizationId, name).id;
    stack = await newStack(emulator);
  });
  after(async () => {
    stack.dispose();
    await emulator.stop();
  });
  const org = () => emulator.organizationId;
  const jane = () => emulator.organization().users.find((u) => u.username === "jane@example.com")!.id;
  const own = () => Object.fromEntries(emulator.state.directRoles(org(), jane()).workspaceRoles.map((e) => [e.workspaceId, e.role]));
  const declare = (workspaceRoles: Record<string, string>) =>
    stack.setConfig("invites", JSON.stringify({ jane: { email: "jane@example.com", workspaceRoles } }));

  it("the whole life: applied after acceptance, drift restored, one workspace dropped, destroy leaves only what is not the stack's", async () => {
    await declare({ [ws.data]: "WORKSPACE_OPERATOR", [ws.ml]: "WORKSPACE_MEMBER" });
    const invited = await stack.run(["up", "--yes"]);
    expect(invited.output).to.contain("Astro gives them their workspace roles once they accept");
    expect((await stack.invites()).jane.outputs).to.deep.include({ status: "PENDING", workspaceRolesDeferred: true, workspaceRoles: {} });
    // Waiting for acceptance is not a change a preview shows.
    expect((await stack.run(["preview", "--expect-no-changes"])).code).to.equal(0);

    emulator.state.acceptInviteOf(org(), "jane@example.com");
    emulator.state.grantDirectRoles(org(), jane(), { workspaceRoles: [{ workspaceId: ws.extra, role: "WORKSPACE_ACCESSOR" }] });
    emulator.state.seedTeam(org(), "analysts", [jane()], { workspaceRoles: [{ workspaceId: ws.ops, role: "WORKSPACE_AUTHOR" }] });
    await stack.run(["refresh", "--yes"]);
    // The preview says why the roles come now.
    const accepted = JSON.parse(review((await stack.run(["preview", "--json"])).stdout, "--format", "json").stdout).changes;
    expect(accepted.map((c: Record<string, unknown>) => [c.action, c.workspaceId, c.toRole, c.reason])).to.deep.equal(
      [
        [ws.data, "WORKSPACE_OPERATOR"],
        [ws.ml, "WORKSPACE_MEMBER"],
      ].map(([id, role]) => ["workspace", id, role, `workspace ${id}: ${role} granted (waiting since the invite: accepted)`]),
    );
    await stack.run(["up", "--yes"]);
    expect(own()).to.deep.equal({ [ws.extra]: "WORKSPACE_ACCESSOR", [ws.data]: "WORKSPACE_OPERATOR", [ws.ml]: "WORKSPACE_MEMBER" });

    emulator.state.grantDirectRoles(org(), jane(), {
      workspaceRoles: [
        { workspaceId: ws.extra, role: "WORKSPACE_ACCESSOR" },
        { workspaceId: ws.data, role: "WORKSPACE_MEMBER" },
        { workspaceId: ws.ml, role: "WORKSPACE_MEMBER" },
      ],
    });
    await stack.run(["refresh", "--yes"]);
    expect((await stack.invites()).jane.outputs.workspaceRoles).to.deep.equal({
      [ws.data]: "WORKSPACE_MEMBER",
      [ws.ml]: "WORKSPACE_MEMBER",
    });
    const preview = (await stack.run(["preview", "--json"])).stdout;
    const changes = JSON.parse(review(preview, "--format", "json").stdout).changes;
    expect(changes.map((c: Record<string, unknown>) => [c.action, c.workspaceId, c.fromRole, c.toRole])).to.deep.equal([
      ["workspace", ws.data, "WORKSPACE_MEMBER", "WORKSPACE_OPERATOR"],
    ]);
    expect(review(preview, "--deny-role", "WORKSPACE_OPERATOR").status).to.equal(3);
    await stack.run(["up", "--yes"]);
    expect(own()[ws.data]).to.equal("WORKSPACE_OPERATOR");

    await declare({ [ws.data]: "WORKSPACE_OPERATOR" });
    await stack.run(["up", "--yes"]);
    expect(own()).to.deep.equal({ [ws.extra]: "WORKSPACE_ACCESSOR", [ws.data]: "WORKSPACE_OPERATOR" });

    await stack.run(["destroy", "--yes"]);
    expect(own()).to.deep.equal({ [ws.extra]: "WORKSPACE_ACCESSOR" });
    // The Team's grant is still the Team's: a read by id shows it beside her own.
    const read = emulator.state.getUser(emulator.state.tokenFor(emulator.token)!, org(), jane()).body as { workspaceRoles: unknown[] };
    expect(read.workspaceRoles).to.deep.include({ workspaceId: ws.ops, role: "WORKSPACE_AUTHOR" });
  });
});
