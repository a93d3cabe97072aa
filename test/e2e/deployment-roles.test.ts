import { expect } from "chai";
import { Emulator, startEmulator } from "../../provider/emulator/server";
import { PulumiWorkspace } from "../../scripts/lib/workspace";
import { review } from "../support/review";
import { declare, newStack } from "../support/stacks";

/**
 * Deployment and DAG roles declared with the person, under the real CLI, one stack through the life the
 * issue names: a pending invite with a Deployment role and a DAG role, both given after acceptance (with
 * the WORKSPACE_ACCESSOR Astro adds, recorded as Astro's); a DAG role changed in the UI, seen by refresh,
 * shown by the review and restored by up; a Team's Deployment role beside them, never made theirs; the DAG
 * role removed, then destroy, each taking away only what the stack granted.
 */
describe("Deployment and DAG roles under the real Pulumi CLI", function () {
  this.timeout(15 * 60_000);
  let emulator: Emulator;
  let stack: PulumiWorkspace;
  let data: string;
  let etl: string;
  let reports: string;
  before(async () => {
    emulator = await startEmulator();
    data = emulator.state.createWorkspace(emulator.organizationId, "Data").id;
    etl = emulator.state.createDeployment(emulator.organizationId, data, "etl").id;
    reports = emulator.state.createDeployment(emulator.organizationId, data, "reports").id;
    stack = await newStack(emulator);
  });
  after(async () => {
    stack.dispose();
    await emulator.stop();
  });
  const org = () => emulator.organizationId;
  const jane = () => emulator.organization().users.find((u) => u.username === "jane@example.com")!.id;
  const direct = () => emulator.state.directRoles(org(), jane());
  const finance = (role: string) => ({ deploymentId: etl, dagTag: "finance", role });
  const writes = () => emulator.log.filter((e) => e.method !== "GET");

  it("bad input is named with its field before anything is sent", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { deploymentRoles: { [etl]: "DEPLOYMENT_ADMN" } },
        /deploymentRoles\.\w+ must be one of \[DEPLOYMENT_ADMIN\] or the id of a custom Deployment role/,
      ],
      [{ dagRoles: [finance("DAG_VIEWER")] }, /dagRoles\[0\] is on Deployment \w+, which deploymentRoles gives no role on/],
      [
        { deploymentRoles: { cnowhere00000000000000000: "DEPLOYMENT_ADMIN" } },
        /deploymentRoles names cnowhere00000000000000000, not a Deployment of organization/,
      ],
    ];
    for (const [fields, message] of cases) {
      await declare(stack, { jane: { email: "jane@example.com", ...fields } });
      emulator.log.length = 0;
      const { code, output } = await stack.run(["up", "--yes"], { allowFailure: true });
      expect(code, JSON.stringify(fields)).to.not.equal(0);
      expect(output).to.match(message);
      expect(writes(), JSON.stringify(fields)).to.deep.equal([]);
    }
  });

  it("the whole life: given after acceptance, drift restored, a Team's grant never theirs, removal and destroy undo only the stack's", async () => {
    await declare(stack, {
      jane: { email: "jane@example.com", deploymentRoles: { [etl]: "DEPLOYMENT_ADMIN" }, dagRoles: [finance("DAG_VIEWER")] },
    });
    const invited = await stack.run(["up", "--yes"]);
    expect(invited.output).to.contain("Astro gives them their Deployment, DAG roles once they accept");
    expect((await stack.run(["preview", "--expect-no-changes"])).code).to.equal(0);

    emulator.state.acceptInviteOf(org(), "jane@example.com");
    emulator.state.seedTeam(org(), "reporting", [jane()], { deploymentRoles: [{ deploymentId: reports, role: "DEPLOYMENT_ADMIN" }] });
    await stack.run(["refresh", "--yes"]);
    const accepted = JSON.parse(review((await stack.run(["preview", "--json"])).stdout, "--format", "json").stdout).changes;
    expect(accepted.map((c: Record<string, unknown>) => [c.action, c.deploymentId, c.dag ?? null, c.toRole])).to.deep.equal([
      ["deployment", etl, null, "DEPLOYMENT_ADMIN"],
      ["dag", etl, "tag:finance", "DAG_VIEWER"],
    ]);
    await stack.run(["up", "--yes"]);
    expect(direct()).to.deep.equal({
      workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_ACCESSOR" }],
      deploymentRoles: [{ deploymentId: etl, role: "DEPLOYMENT_ADMIN" }],
      dagRoles: [finance("DAG_VIEWER")],
    });
    expect((await stack.invites()).jane.outputs.workspaceRolesByAstro).to.deep.equal({ [data]: "WORKSPACE_ACCESSOR" });

    // Raised in the UI: refresh sees it, the review shows the change back, up restores it.
    emulator.state.grantDirectRoles(org(), jane(), { dagRoles: [finance("DAG_AUTHOR")] });
    await stack.run(["refresh", "--yes"]);
    const preview = (await stack.run(["preview", "--json"])).stdout;
    const drift = JSON.parse(review(preview, "--format", "json").stdout).changes;
    expect(drift.map((c: Record<string, unknown>) => [c.action, c.fromRole, c.toRole])).to.deep.equal([
      ["dag", "DAG_AUTHOR", "DAG_VIEWER"],
    ]);
    expect(review(preview, "--deny-role", "DAG_VIEWER").status).to.equal(3);
    expect(review(preview, "--deny-role", "DEPLOYMENT_ADMIN").status).to.equal(0);
    await stack.run(["up", "--yes"]);
    expect(direct().dagRoles).to.deep.equal([finance("DAG_VIEWER")]);

    await declare(stack, { jane: { email: "jane@example.com", deploymentRoles: { [etl]: "DEPLOYMENT_ADMIN" } } });
    await stack.run(["up", "--yes"]);
    expect(direct().dagRoles).to.deep.equal([]);

    await stack.run(["destroy", "--yes"]);
    // What the stack granted is gone, Astro's accessor with it; the Team's grant is still the Team's.
    expect(direct()).to.deep.equal({ workspaceRoles: [], deploymentRoles: [], dagRoles: [] });
    const read = emulator.state.getUser(emulator.state.tokenFor(emulator.token)!, org(), jane()).body as { deploymentRoles: unknown[] };
    expect(read.deploymentRoles).to.deep.equal([{ deploymentId: reports, role: "DEPLOYMENT_ADMIN" }]);
  });
});
