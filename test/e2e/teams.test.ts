import { expect } from "chai";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { AstroClient } from "../../provider/api/client";
import { Emulator, startEmulator } from "../../provider/emulator/server";
import { PulumiWorkspace, REPO_ROOT } from "../../scripts/lib/workspace";
import { review } from "../support/review";
import { declare, DeclaredTeams, declareTeams, newStack } from "../support/stacks";

const BIN = join(REPO_ROOT, "dist/provider/cli/astro-invites.js");

describe("Team under the real Pulumi CLI", function () {
  this.timeout(15 * 60_000);
  let emulator: Emulator;
  let stack: PulumiWorkspace;
  let data: string;
  const org = () => emulator.organizationId;
  const teams = () => emulator.organization().teams;
  const userId = (email: string) => emulator.organization().users.find((u) => u.username === email)!.id;
  const writes = () => emulator.log.filter((entry) => entry.method !== "GET").map((entry) => entry.operation);
  const teamState = async (name: string) => {
    const { state } = await stack.exportState();
    return state.resources.find((r) => r.type === "pulumi-nodejs:dynamic/astro:Team" && r.urn.endsWith(`::${name}`));
  };

  before(async () => {
    emulator = await startEmulator();
    data = emulator.state.createWorkspace(org(), "Data").id;
    stack = await newStack(emulator);
  });
  after(async () => {
    stack?.dispose();
    await emulator?.stop();
  });

  it("an Owner Team with two members, one invited by the same program and pending: preview sends nothing, up creates it, the invitee joins after acceptance", async () => {
    emulator.state.seedMember(org(), "kim@example.com", "ORGANIZATION_MEMBER");
    await declare(stack, { ana: { email: "ana@example.com" } });
    await declareTeams(stack, {
      admins: {
        name: "Admins",
        organizationRole: "ORGANIZATION_OWNER",
        workspaceRoles: { [data]: "WORKSPACE_OPERATOR" },
        members: ["kim@example.com"],
        invited: ["ana"],
      },
    });
    emulator.log.length = 0;
    const preview = await stack.run(["preview"]);
    expect(writes()).to.deep.equal([]);
    expect(preview.output).to.match(/\+ +pulumi-nodejs:dynamic\/astro:Team +admins +create/);

    await stack.run(["up", "--yes"]);
    expect(teams().map((t) => [t.name, t.organizationRole, t.memberIds])).to.deep.equal([
      ["Admins", "ORGANIZATION_OWNER", [userId("kim@example.com")]],
    ]);
    expect((await teamState("admins"))!.outputs).to.deep.include({ membersWaiting: ["ana@example.com"] });
    expect((await stack.exportState()).text).not.to.contain(emulator.token);
    emulator.log.length = 0;
    await stack.run(["up", "--yes"]);
    expect(writes(), "nothing to do while ana is pending").to.deep.equal([]);

    emulator.state.acceptInviteOf(org(), "ana@example.com");
    await stack.run(["up", "--refresh", "--yes"]);
    expect(teams()[0].memberIds.sort()).to.deep.equal([userId("ana@example.com"), userId("kim@example.com")].sort());
    expect((await teamState("admins"))!.outputs).to.deep.include({ membersWaiting: [], members: ["ana@example.com", "kim@example.com"] });
  });

  it("a member added by hand is removed by up; a rename is an update in place", async () => {
    const eve = emulator.state.seedMember(org(), "eve@example.com", "ORGANIZATION_MEMBER");
    const teamId = teams()[0].id;
    emulator.state.addTeamMemberOutOfBand(teamId, eve);
    const refreshed = await stack.run(["preview", "--refresh"]);
    expect(refreshed.output).to.match(/~ +pulumi-nodejs:dynamic\/astro:Team +admins +update/);
    await stack.run(["up", "--refresh", "--yes"]);
    expect(teams()[0].memberIds).not.to.include(eve);
    expect(emulator.state.directRoles(org(), eve)).to.deep.equal({ workspaceRoles: [], deploymentRoles: [], dagRoles: [] });

    await declareTeams(stack, {
      admins: {
        name: "Platform Admins",
        organizationRole: "ORGANIZATION_OWNER",
        workspaceRoles: { [data]: "WORKSPACE_OPERATOR" },
        members: ["kim@example.com"],
        invited: ["ana"],
      },
    });
    const preview = await stack.run(["preview", "--json"]);
    const steps = JSON.parse(preview.stdout).steps.filter((s: { urn: string }) => s.urn.endsWith("::admins"));
    expect(steps.map((s: { op: string }) => s.op)).to.deep.equal(["update"]);
    emulator.log.length = 0;
    await stack.run(["up", "--yes"]);
    expect(writes()).to.deep.equal(["updateTeam"]);
    expect(teams().map((t) => [t.id, t.name])).to.deep.equal([[teamId, "Platform Admins"]]);
  });

  it("an adopted Team: nothing sent when it matches, and destroy sets it back as found; a created one is deleted", async () => {
    const kim = userId("kim@example.com");
    const found = emulator.state.seedTeam(org(), "Analysts", [kim], { workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_MEMBER" }] });
    await declareTeams(stack, {
      admins: {
        name: "Platform Admins",
        organizationRole: "ORGANIZATION_OWNER",
        workspaceRoles: { [data]: "WORKSPACE_OPERATOR" },
        members: ["kim@example.com"],
        invited: ["ana"],
      },
      analysts: { name: "Analysts", workspaceRoles: { [data]: "WORKSPACE_MEMBER" }, members: ["kim@example.com"] },
    });
    emulator.log.length = 0;
    await stack.run(["up", "--yes"]);
    expect(writes(), "adopted as found").to.deep.equal([]);
    expect((await teamState("analysts"))!.outputs).to.deep.include({ adopted: true, teamId: found });

    await declareTeams(stack, {
      admins: {
        name: "Platform Admins",
        organizationRole: "ORGANIZATION_OWNER",
        workspaceRoles: { [data]: "WORKSPACE_OPERATOR" },
        members: ["kim@example.com"],
        invited: ["ana"],
      },
      analysts: {
        name: "Analysts",
        organizationRole: "ORGANIZATION_OBSERVE_ADMIN",
        workspaceRoles: {},
        members: ["kim@example.com", "ana@example.com"],
      },
    });
    await stack.run(["up", "--yes"]);
    const analysts = () => teams().find((t) => t.id === found)!;
    expect(analysts()).to.deep.include({ organizationRole: "ORGANIZATION_OBSERVE_ADMIN", workspaceRoles: [] });

    await stack.run(["destroy", "--yes"]);
    expect(teams().map((t) => t.id)).to.deep.equal([found]);
    expect(analysts()).to.deep.include({ name: "Analysts", organizationRole: "ORGANIZATION_MEMBER", memberIds: [kim] });
    expect(analysts().workspaceRoles).to.deep.equal([{ workspaceId: data, role: "WORKSPACE_MEMBER" }]);
  });

  it("review --deny-role ORGANIZATION_OWNER fails on a member joining an Owner Team, naming them and the Team", async () => {
    const review = (preview: string) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, "review", "--deny-role", "ORGANIZATION_OWNER", "--format", "json"], {
          stdio: ["pipe", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
        child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
        child.stdin.end(preview);
      });
    await declare(stack, {});
    await declareTeams(stack, { owners: { name: "Owners", organizationRole: "ORGANIZATION_OWNER", members: ["kim@example.com"] } });
    const created = await review((await stack.run(["preview", "--json"])).stdout);
    expect(created.code).to.equal(3);
    expect(created.stderr).to.contain("denied role may be granted: kim@example.com (through Team Owners: create)");
    expect(JSON.parse(created.stdout).teams.map((t: { action: string; team: string }) => [t.action, t.team])).to.deep.equal([
      ["create", "Owners"],
    ]);
    await stack.run(["up", "--yes"]);

    await declareTeams(stack, {
      owners: { name: "Owners", organizationRole: "ORGANIZATION_OWNER", members: ["kim@example.com", "eve@example.com"] },
    });
    const joined = await review((await stack.run(["preview", "--json"])).stdout);
    expect(joined.code).to.equal(3);
    expect(joined.stderr).to.contain("denied role may be granted: eve@example.com (through Team Owners: add-member)");
    expect(joined.stderr).not.to.contain("kim@example.com");
    await stack.run(["destroy", "--yes"]);
    await declareTeams(stack, {});
  });

  it("a Team's Deployment and DAG roles: review --deny-role names who gains them, Astro's workspace role is never drift, drift restored, destroy deletes", async () => {
    const etl = emulator.state.createDeployment(org(), data, "etl").id;
    const finance = (role: string) => ({ deploymentId: etl, dagTag: "finance", role });
    const declared = {
      name: "ETL",
      deploymentRoles: { [etl]: "DEPLOYMENT_ADMIN" },
      dagRoles: [finance("DAG_AUTHOR")],
      members: ["kim@example.com"],
    };
    // Bad input is named before anything is sent: a Deployment not the organization's, a DAG role without a Deployment role.
    const ghost = "cnowhere00000000000000000";
    const cases: [Partial<DeclaredTeams[string]>, string][] = [
      [
        { deploymentRoles: { [ghost]: "DEPLOYMENT_ADMIN" }, dagRoles: [] },
        `deploymentRoles.${ghost}: ${ghost} is not a Deployment of organization`,
      ],
      [{ deploymentRoles: {} }, "dagRoles[0] is on Deployment"],
    ];
    for (const [bad, message] of cases) {
      await declareTeams(stack, { etl: { ...declared, ...bad } });
      emulator.log.length = 0;
      const refused = await stack.run(["preview"], { allowFailure: true });
      expect(refused.code).to.not.equal(0);
      expect(refused.output).to.contain(message);
      expect(writes()).to.deep.equal([]);
    }
    await declareTeams(stack, { etl: declared });
    const gate = review((await stack.run(["preview", "--json"])).stdout, "--deny-role", "DEPLOYMENT_ADMIN");
    expect(gate.status).to.equal(3);
    expect(gate.stderr).to.contain("denied role may be granted: kim@example.com (through Team ETL: create)");
    expect(review((await stack.run(["preview", "--json"])).stdout, "--deny-role", "DAG_VIEWER").status).to.equal(0);

    await stack.run(["up", "--yes"]);
    const team = () => teams().find((t) => t.name === "ETL")!;
    expect(team()).to.deep.include({
      workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_ACCESSOR" }],
      deploymentRoles: [{ deploymentId: etl, role: "DEPLOYMENT_ADMIN" }],
      dagRoles: [finance("DAG_AUTHOR")],
    });
    expect((await teamState("etl"))!.outputs).to.deep.include({
      workspaceRoles: {},
      workspaceRolesByAstro: { [data]: "WORKSPACE_ACCESSOR" },
    });
    emulator.log.length = 0;
    expect((await stack.run(["preview", "--refresh", "--expect-no-changes"])).code).to.equal(0);
    expect(writes()).to.deep.equal([]);
    const kim = userId("kim@example.com");
    expect(emulator.state.directRoles(org(), kim), "the Team's grants are never the member's own").to.deep.equal({
      workspaceRoles: [],
      deploymentRoles: [],
      dagRoles: [],
    });

    await new AstroClient({ token: emulator.token, baseUrl: emulator.apiUrl }).updateTeamRoles(org(), team().id, {
      organizationRole: "ORGANIZATION_MEMBER",
      dagRoles: [finance("DAG_VIEWER")],
    });
    await stack.run(["up", "--refresh", "--yes"]);
    expect(team().dagRoles).to.deep.equal([finance("DAG_AUTHOR")]);

    await stack.run(["destroy", "--yes"]);
    expect(teams().map((t) => t.name)).not.to.include("ETL");
    await declareTeams(stack, {});
  });

  it("a person joins a Team owned elsewhere by name; removing the name takes them out; one Team declared in two places is refused", async () => {
    const elsewhere = emulator.state.seedTeam(org(), "Elsewhere", [], { organizationRole: "ORGANIZATION_OBSERVE_ADMIN" });
    const inTeam = () => emulator.organization().teams.find((t) => t.id === elsewhere)!.memberIds;
    await declareTeams(stack, {});
    await declare(stack, { kim: { email: "kim@example.com", teams: ["Elsewhere"] } });
    await stack.run(["up", "--yes"]);
    expect(inTeam()).to.deep.equal([userId("kim@example.com")]);
    await declare(stack, { kim: { email: "kim@example.com" } });
    await stack.run(["up", "--yes"]);
    expect(inTeam()).to.deep.equal([]);

    await declare(stack, { kim: { email: "kim@example.com", teams: ["Both"] } });
    await declareTeams(stack, { both: { name: "Both", members: ["kim@example.com"] } });
    emulator.log.length = 0;
    const refused = await stack.run(["preview"], { allowFailure: true });
    expect(refused.code).not.to.equal(0);
    expect(refused.output).to.contain(
      'Team "Both" is declared in two places: the Team both declares its whole member list, and the invite kim names it in `teams`.',
    );
    expect(writes()).to.deep.equal([]);
    await declare(stack, {});
    await declareTeams(stack, {});
    await stack.run(["up", "--yes"]);
  });

  it("an IdP-managed Team is refused at preview, naming it and why; nothing is written", async () => {
    const idp = emulator.state.seedTeam(org(), "Okta Admins", [], { isIdpManaged: true });
    await declare(stack, {});
    await declareTeams(stack, { okta: { name: "Okta Admins", organizationRole: "ORGANIZATION_OWNER" } });
    emulator.log.length = 0;
    const result = await stack.run(["up", "--yes"], { allowFailure: true });
    expect(result.code).not.to.equal(0);
    expect(result.output).to.contain(`Team "Okta Admins" (${idp}) is managed by the organization's identity provider (isIdpManaged)`);
    expect(writes()).to.deep.equal([]);
    await declareTeams(stack, {});
  });

  describe("export round trip with Teams", () => {
    let fresh: Emulator;
    let project: PulumiWorkspace;
    after(async () => {
      project?.dispose();
      await fresh?.stop();
    });

    it("export --format ts declares the organization's Teams (an IdP-managed one as a comment): up after it writes nothing", async () => {
      fresh = await startEmulator();
      const forg = fresh.organizationId;
      const ws = fresh.state.createWorkspace(forg, "Data").id;
      const [lee, max] = [
        fresh.state.seedMember(forg, "lee@example.com", "ORGANIZATION_OWNER"),
        fresh.state.seedMember(forg, "max@example.com", "ORGANIZATION_MEMBER"),
      ];
      fresh.state.seedTeam(forg, "Data Platform", [lee, max], {
        organizationRole: "ORGANIZATION_OBSERVE_ADMIN",
        workspaceRoles: [{ workspaceId: ws, role: "WORKSPACE_OPERATOR" }],
        description: "the data team",
      });
      const okta = fresh.state.seedTeam(forg, "Okta Admins", [lee], { isIdpManaged: true, organizationRole: "ORGANIZATION_OWNER" });
      const exported = await new Promise<string>((resolve) => {
        const child = spawn(process.execPath, [BIN, "export", "--format", "ts"], {
          env: { ...process.env, ASTRO_API_TOKEN: fresh.token, ASTRO_ORGANIZATION_ID: forg, ASTRO_API_URL: fresh.apiUrl },
          stdio: ["ignore", "pipe", "inherit"],
        });
        let stdout = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
        child.on("close", () => resolve(stdout));
      });
      expect(exported)
        .to.contain('new Team("team-data-platform", {')
        .and.to.contain(`// Team "Okta Admins" (${okta}, 1 members) is managed by the identity provider: not declared`);
      project = await newStack(fresh);
      writeFileSync(join(project.projectDir, "index.ts"), exported);
      fresh.log.length = 0;
      await project.run(["up", "--yes"]);
      // An invite adopts an existing member by a create Astro refuses ("existing role"): nothing is written.
      const written = () => fresh.log.filter((entry) => entry.method !== "GET" && entry.status < 400);
      expect(written()).to.deep.equal([]);
      const team = fresh.organization().teams.find((t) => t.name === "Data Platform")!;
      await project.run(["destroy", "--yes"]);
      expect(written()).to.deep.equal([]);
      expect(fresh.organization().teams.find((t) => t.name === "Data Platform")).to.deep.equal(team);
    });
  });
});
