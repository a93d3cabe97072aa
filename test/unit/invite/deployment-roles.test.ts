import { expect } from "chai";
import * as lifecycle from "../../../provider/invite/lifecycle";
import { inputsOf } from "../../../provider/invite/schema";
import { Emulator, startEmulator } from "../../../provider/emulator/server";
import { configureFor, createInvite, inviteSteps, warningsOf } from "../../support/lifecycle";

/**
 * Deployment and DAG roles declared with the person, against the emulator: applied after acceptance,
 * only the person's own grants touched (a Team's Deployment role never copied onto them), drift
 * restored, the WORKSPACE_ACCESSOR Astro adds recorded as Astro's and taken away with them, removal and
 * destroy setting back only what the stack granted, refresh at list cost.
 */
describe("lifecycle: Deployment and DAG roles", () => {
  let emulator: Emulator;
  let org: string;
  let data: string;
  let etl: string;
  let reports: string;
  beforeEach(async () => {
    emulator = await startEmulator({ rateLimits: false });
    org = emulator.organizationId;
    data = emulator.state.createWorkspace(org, "Data Eng").id;
    etl = emulator.state.createDeployment(org, data, "etl").id;
    reports = emulator.state.createDeployment(org, data, "reports").id;
    await configureFor(emulator);
  });
  afterEach(() => emulator.stop());

  const userId = (email: string) => emulator.organization().users.find((u) => u.username === email)!.id;
  const direct = (email: string) => emulator.state.directRoles(org, userId(email));
  const { update, refresh, destroy } = inviteSteps(() => emulator);
  const declaration = () => ({
    deploymentRoles: { [etl]: "DEPLOYMENT_ADMIN" },
    dagRoles: [{ deploymentId: etl, dagTag: "finance", role: "DAG_VIEWER" }],
  });

  it("pending: both wait for acceptance, then the next up applies them; Astro's WORKSPACE_ACCESSOR is recorded as Astro's, and refresh sees no drift in it", async () => {
    const { id, outs } = await createInvite(emulator, { email: "jane@example.com", ...declaration() });
    expect(outs).to.deep.include({ status: "PENDING", deploymentRoles: {}, dagRoles: [], workspaceRolesDeferred: true });
    expect(outs.deploymentRolesBefore).to.deep.equal({ [etl]: "" });
    expect(outs.dagRolesBefore).to.deep.equal({ [`${etl}/tag:finance`]: "" });

    emulator.state.acceptInviteOf(org, "jane@example.com");
    const accepted = await refresh(id, outs);
    const applied = await update(id, accepted, declaration());
    expect(applied).to.deep.include({
      ...declaration(),
      workspaceRolesDeferred: false,
      workspaceRolesByAstro: { [data]: "WORKSPACE_ACCESSOR" },
    });
    expect(direct("jane@example.com")).to.deep.include({
      deploymentRoles: [{ deploymentId: etl, role: "DEPLOYMENT_ADMIN" }],
      dagRoles: [{ deploymentId: etl, dagTag: "finance", role: "DAG_VIEWER" }],
      workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_ACCESSOR" }],
    });

    emulator.log.length = 0;
    const refreshed = await refresh(id, applied);
    expect(refreshed).to.deep.include(declaration());
    // One walk of the Deployment's users (role lists filled), never a read by id.
    expect(emulator.log.map((e) => e.operation)).to.deep.equal(["listUsers", "listUsers"]);
    expect(emulator.log.some((e) => e.path.includes(`deploymentId=${etl}`))).to.equal(true);
    expect((await lifecycle.diff(id, { ...refreshed }, { ...inputsOf(refreshed), ...declaration() })).changes).to.equal(false);
  });

  it("drift is restored; a Team's Deployment role is never made theirs; removal takes away only what the stack granted, Astro's accessor with the last of it", async () => {
    emulator.state.switches.workspaceRolesForPending = "accept";
    const { id, outs } = await createInvite(emulator, { email: "jane@example.com", ...declaration() });
    const jane = userId("jane@example.com");
    emulator.state.acceptInviteOf(org, "jane@example.com");
    emulator.state.seedTeam(org, "reporting", [jane], { deploymentRoles: [{ deploymentId: reports, role: "DEPLOYMENT_ADMIN" }] });
    // Someone lowers her DAG role by hand: a refresh sees it, the next up restores it.
    emulator.state.grantDirectRoles(org, jane, { dagRoles: [{ deploymentId: etl, dagTag: "finance", role: "DAG_AUTHOR" }] });
    const drifted = await refresh(id, outs);
    expect(drifted.dagRoles).to.deep.equal([{ deploymentId: etl, dagTag: "finance", role: "DAG_AUTHOR" }]);
    const restored = await update(id, drifted, declaration());
    expect(direct("jane@example.com").dagRoles).to.deep.equal([{ deploymentId: etl, dagTag: "finance", role: "DAG_VIEWER" }]);
    // The Team's grant on reports is not hers: never sent back as her own.
    expect(direct("jane@example.com").deploymentRoles).to.deep.equal([{ deploymentId: etl, role: "DEPLOYMENT_ADMIN" }]);

    const removed = await update(id, restored, { deploymentRoles: {}, dagRoles: [] });
    expect(direct("jane@example.com")).to.deep.include({ deploymentRoles: [], dagRoles: [], workspaceRoles: [] });
    expect(removed).to.deep.include({ deploymentRolesBefore: {}, dagRolesBefore: {}, workspaceRolesByAstro: {} });
    await destroy(id, removed);
    expect(direct("jane@example.com")).to.deep.include({ deploymentRoles: [], dagRoles: [] });
  });

  it("destroy of an accepted Owner: one read by id, and one roles POST demotes them and takes away the stack's Deployment and DAG roles", async () => {
    emulator.state.switches.workspaceRolesForPending = "accept";
    const { id, outs } = await createInvite(emulator, { email: "jane@example.com", role: "ORGANIZATION_OWNER", ...declaration() });
    emulator.state.acceptInviteOf(org, "jane@example.com");
    const accepted = await refresh(id, outs);
    emulator.log.length = 0;
    await destroy(id, accepted);
    expect(emulator.log.filter((e) => e.method !== "GET").map((e) => e.operation)).to.deep.equal(["updateRoles"]);
    // The removal's read by id is the read the roles are set back from: one getUser, the Teams beside it.
    expect(
      emulator.log
        .filter((e) => e.method === "GET")
        .map((e) => e.operation)
        .sort(),
    ).to.deep.equal(["getUser", "getUserTeams", "listDeployments"]);
    expect(direct("jane@example.com")).to.deep.equal({ workspaceRoles: [], deploymentRoles: [], dagRoles: [] });
    expect(emulator.organization().users.find((u) => u.username === "jane@example.com")!.organizationRole).to.equal("ORGANIZATION_MEMBER");
  });

  it("destroy sets back a role they had before the stack, and leaves one changed outside the stack since, saying so", async () => {
    const bob = emulator.state.seedMember(org, "bob@example.com", "ORGANIZATION_MEMBER");
    const custom = emulator.state.createCustomRole(org, "DEPLOYMENT");
    emulator.state.grantDirectRoles(org, bob, {
      workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_MEMBER" }],
      deploymentRoles: [{ deploymentId: etl, role: custom }],
    });
    const { id, outs } = await createInvite(emulator, {
      email: "bob@example.com",
      deploymentRoles: { [etl]: "DEPLOYMENT_ADMIN", [reports]: "DEPLOYMENT_ADMIN" },
    });
    expect(outs).to.deep.include({ adopted: true, deploymentRolesBefore: { [etl]: custom, [reports]: "" }, workspaceRolesByAstro: {} });
    emulator.state.grantDirectRoles(org, bob, {
      deploymentRoles: [
        { deploymentId: etl, role: "DEPLOYMENT_ADMIN" },
        { deploymentId: reports, role: custom },
      ],
    });
    const warnings = await warningsOf(() => destroy(id, outs));
    expect(direct("bob@example.com").deploymentRoles).to.deep.equal([
      { deploymentId: reports, role: custom },
      { deploymentId: etl, role: custom },
    ]);
    expect(warnings.join("\n")).to.contain(`the role in Deployment ${reports} was changed outside the stack since`);
  });

  it("a workspace role they hold both directly and through a Team is not taken for one Astro added", async () => {
    const bob = emulator.state.seedMember(org, "bob@example.com", "ORGANIZATION_MEMBER");
    emulator.state.grantDirectRoles(org, bob, { workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_MEMBER" }] });
    emulator.state.seedTeam(org, "data", [bob], { workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_MEMBER" }] });
    const { outs } = await createInvite(emulator, { email: "bob@example.com", deploymentRoles: { [etl]: "DEPLOYMENT_ADMIN" } });
    expect(outs).to.deep.include({ deploymentRoles: { [etl]: "DEPLOYMENT_ADMIN" }, workspaceRolesByAstro: {} });
  });

  it("DAG roles declared in any order: after up and a refresh, the same declaration is no change", async () => {
    emulator.state.switches.workspaceRolesForPending = "accept";
    const declared = {
      deploymentRoles: { [etl]: "DEPLOYMENT_ADMIN" },
      dagRoles: [
        { deploymentId: etl, dagTag: "Zeta", role: "DAG_VIEWER" },
        { deploymentId: etl, dagId: "alpha", role: "DAG_AUTHOR" },
        { deploymentId: etl, dagTag: "beta", role: "DAG_VIEWER" },
      ],
    };
    const { id, outs } = await createInvite(emulator, { email: "jane@example.com", ...declared });
    const refreshed = await refresh(id, outs);
    const { inputs } = await lifecycle.check({}, { ...inputsOf(refreshed), ...declared });
    expect((await lifecycle.diff(id, { ...refreshed }, inputs)).changes).to.equal(false);
  });

  it("an unknown Deployment: nothing is sent, and the error names the field and the organization's Deployments", async () => {
    const failure = await createInvite(emulator, {
      email: "jane@example.com",
      deploymentRoles: { cnowhere00000000000000000: "DEPLOYMENT_ADMIN" },
    }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).to.contain("deploymentRoles names cnowhere00000000000000000, not a Deployment of organization");
    expect(failure?.message).to.contain(`${etl} (etl)`);
    expect(emulator.log.filter((e) => e.method !== "GET")).to.deep.equal([]);
  });
});
