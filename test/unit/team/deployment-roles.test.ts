import { expect } from "chai";
import { AstroClient } from "../../../provider/api/client";
import { Emulator, startEmulator } from "../../../provider/emulator/server";
import * as lifecycle from "../../../provider/team/lifecycle";
import { TeamState } from "../../../provider/team/schema";
import { configureFor } from "../../support/lifecycle";
import { teamSteps } from "../../support/team";

/**
 * A Team's Deployment and DAG roles against the emulator over HTTP: the whole lists the Team's, the
 * WORKSPACE_ACCESSOR Astro adds for them recorded as Astro's (never drift), drift restored, bad input
 * named before anything is sent.
 */
describe("Team: Deployment and DAG roles, against the emulator", () => {
  let emulator: Emulator;
  let org: string;
  let data: string;
  let ml: string;
  let prod: string;
  let dev: string;
  beforeEach(async () => {
    emulator = await startEmulator({ rateLimits: false });
    org = emulator.organizationId;
    data = emulator.state.createWorkspace(org, "Data").id;
    ml = emulator.state.createWorkspace(org, "ML").id;
    prod = emulator.state.createDeployment(org, ml, "prod-etl").id;
    dev = emulator.state.createDeployment(org, data, "dev").id;
    await configureFor(emulator);
  });
  afterEach(() => emulator.stop());

  const team = (id: string) => emulator.organization().teams.find((t) => t.id === id)!;
  const writes = () => emulator.log.filter((entry) => entry.method !== "GET").map((entry) => entry.operation);
  const { check, create, refreshAndUp } = teamSteps(() => emulator);
  const finance = (role: string) => ({ deploymentId: prod, dagTag: "finance", role });

  it("granted with no workspace role: Astro's WORKSPACE_ACCESSOR is recorded as Astro's, and refresh and up see no drift", async () => {
    const declared = { name: "ETL", deploymentRoles: { [prod]: "DEPLOYMENT_ADMIN" }, dagRoles: [finance("DAG_AUTHOR")] };
    const state = await create(declared);
    expect(state).to.deep.include({
      workspaceRoles: {},
      deploymentRoles: { [prod]: "DEPLOYMENT_ADMIN" },
      dagRoles: [finance("DAG_AUTHOR")],
      workspaceRolesByAstro: { [ml]: "WORKSPACE_ACCESSOR" },
    });
    expect(team(state.teamId)).to.deep.include({
      workspaceRoles: [{ workspaceId: ml, role: "WORKSPACE_ACCESSOR" }],
      deploymentRoles: [{ deploymentId: prod, role: "DEPLOYMENT_ADMIN" }],
    });
    emulator.log.length = 0;
    const again = await refreshAndUp(state, declared);
    expect(again.changed).to.equal(false);
    expect(again.refreshed.workspaceRolesByAstro).to.deep.equal({ [ml]: "WORKSPACE_ACCESSOR" });
    expect(writes()).to.deep.equal([]);
  });

  it("drift restored; a changed DAG role and a Deployment moved to another workspace: Astro's role follows, never sent", async () => {
    const declared = { name: "ETL", deploymentRoles: { [prod]: "DEPLOYMENT_ADMIN" }, dagRoles: [finance("DAG_VIEWER")] };
    const state = await create(declared);
    const client = new AstroClient({ token: emulator.token, baseUrl: emulator.apiUrl });
    await client.updateTeamRoles(org, state.teamId, {
      organizationRole: "ORGANIZATION_MEMBER",
      workspaceRoles: [{ workspaceId: ml, role: "WORKSPACE_OWNER" }],
      deploymentRoles: [],
      dagRoles: [],
    });
    const restored = await refreshAndUp(state, declared);
    expect(restored.refreshed).to.deep.include({ workspaceRoles: { [ml]: "WORKSPACE_OWNER" }, deploymentRoles: {}, dagRoles: [] });
    expect(restored.changed).to.equal(true);
    expect(team(state.teamId)).to.deep.include({
      workspaceRoles: [{ workspaceId: ml, role: "WORKSPACE_ACCESSOR" }],
      deploymentRoles: [{ deploymentId: prod, role: "DEPLOYMENT_ADMIN" }],
    });
    expect(restored.state).to.deep.include({ workspaceRoles: {}, workspaceRolesByAstro: { [ml]: "WORKSPACE_ACCESSOR" } });

    emulator.log.length = 0;
    const moved = await refreshAndUp(restored.state, { ...declared, deploymentRoles: { [dev]: "DEPLOYMENT_ADMIN" }, dagRoles: [] });
    expect(writes()).to.deep.equal(["updateTeamRoles"]);
    expect(team(state.teamId)).to.deep.include({
      workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_ACCESSOR" }],
      deploymentRoles: [{ deploymentId: dev, role: "DEPLOYMENT_ADMIN" }],
      dagRoles: [],
    });
    expect(moved.state.workspaceRolesByAstro).to.deep.equal({ [data]: "WORKSPACE_ACCESSOR" });
  });

  it("a workspace the Team is declared in keeps its declared role; removing the last Deployment role takes Astro's away", async () => {
    const state = await create({
      name: "ETL",
      workspaceRoles: { [data]: "WORKSPACE_AUTHOR" },
      deploymentRoles: { [dev]: "DEPLOYMENT_ADMIN" },
    });
    expect(state).to.deep.include({ workspaceRoles: { [data]: "WORKSPACE_AUTHOR" }, workspaceRolesByAstro: {} });
    const grown = await refreshAndUp(state, {
      name: "ETL",
      workspaceRoles: { [data]: "WORKSPACE_AUTHOR" },
      deploymentRoles: { [prod]: "DEPLOYMENT_ADMIN" },
    });
    expect(grown.state.workspaceRolesByAstro).to.deep.equal({ [ml]: "WORKSPACE_ACCESSOR" });
    const shrunk = await refreshAndUp(grown.state, { name: "ETL", workspaceRoles: { [data]: "WORKSPACE_AUTHOR" } });
    expect(team(state.teamId)).to.deep.include({ workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_AUTHOR" }], deploymentRoles: [] });
    expect(shrunk.state).to.deep.include({ deploymentRoles: {}, workspaceRolesByAstro: {} });
  });

  it("an adopted Team's Deployment and DAG roles are set back on destroy, Astro's workspace role with them", async () => {
    const custom = emulator.state.createCustomRole(org, "DEPLOYMENT");
    // Found as Astro keeps it: the custom role on dev, and the WORKSPACE_ACCESSOR Astro added in dev's workspace.
    const id = emulator.state.seedTeam(org, "Found", [], {
      workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_ACCESSOR" }],
      deploymentRoles: [{ deploymentId: dev, role: custom }],
    });
    const adopted = await create({ name: "Found", deploymentRoles: { [prod]: "DEPLOYMENT_ADMIN" }, dagRoles: [finance("DAG_VIEWER")] });
    expect(adopted.found).to.deep.include({
      workspaceRoles: { [data]: "WORKSPACE_ACCESSOR" },
      deploymentRoles: { [dev]: custom },
      dagRoles: [],
    });
    expect(adopted).to.deep.include({ workspaceRoles: {}, workspaceRolesByAstro: { [ml]: "WORKSPACE_ACCESSOR" } });
    expect(team(id).workspaceRoles).to.deep.equal([{ workspaceId: ml, role: "WORKSPACE_ACCESSOR" }]);
    await lifecycle.remove(id, adopted);
    expect(team(id)).to.deep.include({
      workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_ACCESSOR" }],
      deploymentRoles: [{ deploymentId: dev, role: custom }],
      dagRoles: [],
    });
  });

  describe("bad input names the field, before anything is sent", () => {
    for (const [name, args, property, reason] of [
      [
        "a Deployment role that is not one",
        { deploymentRoles: { [`c${"1".repeat(24)}`]: "DEPLOYMENT_ADMN" } },
        "deploymentRoles",
        "must be one of [DEPLOYMENT_ADMIN] or the id of a custom Deployment role",
      ],
      [
        "a DAG role without a Deployment role",
        { dagRoles: [{ deploymentId: `c${"1".repeat(24)}`, dagId: "nightly", role: "DAG_VIEWER" }] },
        "dagRoles",
        "which deploymentRoles gives no role on",
      ],
      [
        "a DAG role with both a DAG and a tag",
        { dagRoles: [{ deploymentId: `c${"1".repeat(24)}`, dagId: "a", dagTag: "b", role: "DAG_VIEWER" }] },
        "dagRoles",
        "must give one of dagId and dagTag, not both",
      ],
    ] as const) {
      it(name, async () => {
        const { failures } = await check({ name: "t", ...args });
        expect(failures.map((f) => f.property)).to.deep.equal([property]);
        expect(failures[0].reason).to.contain(reason);
        expect(writes()).to.deep.equal([]);
      });
    }

    it("a Deployment that is not the organization's: refused at check, naming the entry and the organization's Deployments", async () => {
      const ghost = `c${"9".repeat(24)}`;
      const { failures } = await check({
        name: "t",
        deploymentRoles: { [ghost]: "DEPLOYMENT_ADMIN" },
        dagRoles: [{ deploymentId: ghost, dagTag: "x", role: "DAG_VIEWER" }],
      });
      expect(failures.map((f) => [f.property, f.reason.split(":")[0]])).to.deep.equal([
        ["deploymentRoles", `deploymentRoles.${ghost}`],
        ["dagRoles", "dagRoles[0].deploymentId"],
      ]);
      expect(failures[0].reason)
        .to.contain(`is not a Deployment of organization ${org} (its Deployments: `)
        .and.contain(`${prod} (prod-etl)`);
      expect(writes()).to.deep.equal([]);
    });

    it("Astro refusing a Deployment role outside the Team's workspaces: the Team is recorded, its roles error names the entry", async () => {
      Object.assign(emulator.state.switches, { scopedRoleWithoutWorkspaceRole: "refuse" });
      const error = await create({ name: "ETL", deploymentRoles: { [prod]: "DEPLOYMENT_ADMIN" } }).then(
        () => undefined,
        (e: Error & { id?: string; state?: TeamState }) => e,
      );
      expect(error?.message).to.match(/^Team "ETL" \(\w+\) is only partly as declared: .*deploymentRoles\[0\]\.deploymentId/);
      expect(emulator.organization().teams.map((t) => t.name)).to.deep.equal(["ETL"]);
    });
  });
});
