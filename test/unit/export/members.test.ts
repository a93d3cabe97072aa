import { expect } from "chai";
import { AstroClient } from "../../../provider/api/client";
import { Emulator, startEmulator } from "../../../provider/emulator/server";
import { readMembers, readScopedAccess, readTeams, renderMembers } from "../../../provider/export/members";
import { parseTeamFile } from "../../../provider/members/members";

describe("astro-invites export: workspace roles", () => {
  let emulator: Emulator;
  beforeEach(async () => (emulator = await startEmulator({ rateLimits: false })));
  afterEach(() => emulator.stop());

  it("writes each member's own workspace roles with the workspace's name, leaves a Team's out, and reads back as written", async () => {
    const org = emulator.organizationId;
    const data = emulator.state.createWorkspace(org, "Data Eng").id;
    const ml = emulator.state.createWorkspace(org, "ML").id;
    const jane = emulator.state.seedMember(org, "jane@example.com", "ORGANIZATION_MEMBER");
    emulator.state.seedMember(org, "bob@example.com", "ORGANIZATION_OWNER");
    emulator.state.grantDirectRoles(org, jane, { workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_OPERATOR" }] });
    emulator.state.seedTeam(org, "analysts", [jane], { workspaceRoles: [{ workspaceId: ml, role: "WORKSPACE_MEMBER" }] });
    const client = new AstroClient({ token: emulator.token, baseUrl: emulator.apiUrl });
    const said: string[] = [];
    const access = await readScopedAccess(client, org, (line) => said.push(line));
    const users = await readMembers(client, org);
    const now = new Date("2026-12-02T00:00:00Z");

    const team = renderMembers(users, org, { format: "team", activeOnly: false, now }, access);
    expect(team.split("\n").filter((line) => !line.startsWith("#"))).to.deep.equal([
      "bob@example.com ORGANIZATION_OWNER",
      `jane@example.com ORGANIZATION_MEMBER ${data}=WORKSPACE_OPERATOR # ${data}: Data Eng`,
      "",
    ]);
    expect(said).to.deep.equal(["workspace 1 of 2: Data Eng", "workspace 2 of 2: ML"]);
    const csv = renderMembers(users, org, { format: "csv", activeOnly: false, now }, access);
    for (const [text, name] of [
      [team, "team.txt"],
      [csv, "team.csv"],
    ]) {
      expect(parseTeamFile(text, name, "ORGANIZATION_MEMBER").map((m) => [m.email, m.role, m.workspaceRoles])).to.deep.equal([
        ["bob@example.com", "ORGANIZATION_OWNER", {}],
        ["jane@example.com", "ORGANIZATION_MEMBER", { [data]: "WORKSPACE_OPERATOR" }],
      ]);
    }
    expect(renderMembers(users, org, { format: "ts", activeOnly: false, now }, access)).to.contain(
      `{ email: "jane@example.com", role: "ORGANIZATION_MEMBER", workspaceRoles: { "${data}": "WORKSPACE_OPERATOR" } }, // ${data}: Data Eng`,
    );
  });

  it("writes Deployment and DAG roles of their own (a Team's left out) in member files, CSV and ts, and reads back as written", async () => {
    const org = emulator.organizationId;
    const data = emulator.state.createWorkspace(org, "Data Eng").id;
    const etl = emulator.state.createDeployment(org, data, "etl").id;
    const jane = emulator.state.seedMember(org, "jane@example.com", "ORGANIZATION_MEMBER");
    emulator.state.grantDirectRoles(org, jane, {
      deploymentRoles: [{ deploymentId: etl, role: "DEPLOYMENT_ADMIN" }],
      dagRoles: [{ deploymentId: etl, dagTag: "finance", role: "DAG_VIEWER" }],
    });
    emulator.state.seedTeam(org, "authors", [jane], { dagRoles: [{ deploymentId: etl, dagId: "nightly", role: "DAG_AUTHOR" }] });
    const client = new AstroClient({ token: emulator.token, baseUrl: emulator.apiUrl });
    const said: string[] = [];
    const access = await readScopedAccess(client, org, (line) => said.push(line));
    const users = await readMembers(client, org);
    const now = new Date("2026-12-02T00:00:00Z");
    expect(said).to.include("Deployment 1 of 1: etl");
    const team = renderMembers(users, org, { format: "team", activeOnly: false, now }, access);
    expect(team).to.contain(
      `jane@example.com ORGANIZATION_MEMBER deployment:${etl}=DEPLOYMENT_ADMIN dagtag:${etl}/finance=DAG_VIEWER # ${etl}: etl`,
    );
    const csv = renderMembers(users, org, { format: "csv", activeOnly: false, now }, access);
    for (const [text, name] of [
      [team, "team.txt"],
      [csv, "team.csv"],
    ]) {
      const [read] = parseTeamFile(text, name, "ORGANIZATION_MEMBER");
      expect([read.deploymentRoles, read.dagRoles]).to.deep.equal([
        { [etl]: "DEPLOYMENT_ADMIN" },
        [{ deploymentId: etl, dagTag: "finance", role: "DAG_VIEWER" }],
      ]);
    }
    expect(renderMembers(users, org, { format: "ts", activeOnly: false, now }, access)).to.contain(
      `deploymentRoles: { "${etl}": "DEPLOYMENT_ADMIN" }, dagRoles: [{ deploymentId: "${etl}", dagTag: "finance", role: "DAG_VIEWER" }] }`,
    );
    // The Team's own DAG role is declared with the Team.
    const teams = await readTeams(client, org, () => undefined);
    expect(renderMembers(users, org, { format: "ts", activeOnly: false, now }, access, teams)).to.contain(
      `  dagRoles: [\n    { deploymentId: "${etl}", dagId: "nightly", role: "DAG_AUTHOR" },\n  ],`,
    );
  });
});
