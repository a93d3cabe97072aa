import { expect } from "chai";
import { spawn } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Emulator, startEmulator } from "../../provider/emulator/server";
import type { AuditReport } from "../../provider/audit/report";
import { PulumiWorkspace, REPO_ROOT, TEAM_PROGRAM } from "../../scripts/lib/workspace";
import { declare, newStack } from "../support/stacks";

const BIN = join(REPO_ROOT, "dist/provider/cli/astro-invites.js");

describe("astro-invites audit under the real Pulumi CLI: two stacks, and access made by hand", function () {
  this.timeout(15 * 60_000);
  let emulator: Emulator;
  let people: PulumiWorkspace;
  let members: PulumiWorkspace;
  let memberFile: string;
  let stateFile: string;
  let allowFile: string;
  let data: string;
  let ml: string;
  const org = () => emulator.organizationId;

  /** The built bin, run in the people stack's project (so `--stack test` is that stack) as a user would. */
  const astroInvites = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: people.projectDir,
        env: { ...people.env, ASTRO_API_TOKEN: emulator.token, ASTRO_ORGANIZATION_ID: org(), ASTRO_API_URL: emulator.apiUrl },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
      child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  /** The member stack's state as a file, the way a second repository would hand it over. */
  const exportMembersState = async () => writeFileSync(stateFile, (await members.exportState()).text);
  const auditJson = async (extra: string[] = []) => {
    const result = await astroInvites(["audit", "--stack", "test", "--state", stateFile, "--format", "json", ...extra]);
    return { ...result, report: JSON.parse(result.stdout) as AuditReport };
  };
  const rows = (report: AuditReport) =>
    report.findings.map((f) => [f.kind, f.who, f.grants.map((g) => (g.workspaceId ? `${g.workspace}:${g.role}` : g.role)).join(" ")]);
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

  before(async () => {
    emulator = await startEmulator();
    // Workspace roles go to pending invitees too, so that the stacks settle in one up.
    emulator.state.switches.workspaceRolesForPending = "accept";
    data = emulator.state.createWorkspace(org(), "Data").id;
    ml = emulator.state.createWorkspace(org(), "ML").id;
    people = await newStack(emulator);
    members = new PulumiWorkspace(TEAM_PROGRAM);
    memberFile = join(members.projectDir, "members.txt");
    stateFile = join(members.projectDir, "members-state.json");
    allowFile = join(members.projectDir, "allow.txt");
    writeFileSync(memberFile, "cy@example.com ORGANIZATION_OBSERVE_ADMIN\ndee@example.com\n");
    await members.init(
      { "astro:apiUrl": emulator.apiUrl, "astro:organizationId": org(), file: memberFile },
      { "astro:apiToken": emulator.token },
    );
    await declare(people, {
      ana: { email: "ana@example.com" },
      bob: { email: "bob@example.com", workspaceRoles: { [data]: "WORKSPACE_MEMBER" } },
    });
    await people.run(["up", "--yes"]);
    await members.run(["up", "--yes"]);
    for (const email of ["ana@example.com", "bob@example.com", "cy@example.com", "dee@example.com"]) {
      emulator.state.acceptInviteOf(org(), email);
    }
  });
  after(async () => {
    people?.dispose();
    members?.dispose();
    await emulator?.stop();
  });

  it("an organization exactly as the stacks declare it: nothing to report, exit 0, reads only", async () => {
    await exportMembersState();
    emulator.log.length = 0;
    const { code, report, stderr } = await auditJson(["--fail-on", "any"]);
    expect(code, stderr).to.equal(0);
    expect(report.findings).to.deep.equal([]);
    expect(report.sources).to.deep.equal([
      { source: "stack test", people: 2, teams: 0 },
      { source: stateFile, people: 2, teams: 0 },
    ]);
    expect(report.complete).to.equal(true);
    expect(stderr).to.contain("astro-invites audit: reading stack test through the Pulumi CLI (pulumi stack export)");
    expect(emulator.log.every((entry) => entry.method === "GET")).to.equal(true);
  });

  it("hand-made access: an Owner, a Team with a workspace role, a direct grant, a pending invite; exactly those, and the gate", async () => {
    emulator.state.seedMember(org(), "owner@example.com", "ORGANIZATION_OWNER");
    const dee = emulator.organization().users.find((u) => u.username === "dee@example.com")!.id;
    emulator.state.seedTeam(org(), "Ops", [dee], { workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_OWNER" }] });
    const bob = emulator.organization().users.find((u) => u.username === "bob@example.com")!.id;
    emulator.state.grantDirectRoles(org(), bob, {
      workspaceRoles: [
        { workspaceId: data, role: "WORKSPACE_MEMBER" },
        { workspaceId: ml, role: "WORKSPACE_AUTHOR" },
      ],
    });
    emulator.state.seedMember(org(), "pat@example.com", "ORGANIZATION_MEMBER", "PENDING");
    const ana = emulator.organization().users.find((u) => u.username === "ana@example.com")!.id;
    emulator.state.setRoleOutOfBand(org(), ana, "ORGANIZATION_OWNER");

    const { code, report } = await auditJson();
    expect(code).to.equal(0);
    expect(rows(report)).to.deep.equal([
      ["drift", "ana@example.com", "ORGANIZATION_OWNER"],
      ["grant", "bob@example.com", "ML:WORKSPACE_AUTHOR"],
      ["person", "owner@example.com", "ORGANIZATION_OWNER"],
      ["person", "pat@example.com", "ORGANIZATION_MEMBER"],
      ["team", "Ops", "Data:WORKSPACE_OWNER"],
    ]);
    expect(report.findings[0].why).to.contain("stack test sets it back on its next `pulumi up --refresh`");
    expect(report.findings[3].status).to.equal("PENDING");
    expect(report.findings[4].members).to.deep.equal(["dee@example.com"]);

    const gate = await astroInvites(["audit", "--stack", "test", "--state", stateFile, "--fail-on", "owner", "--format", "markdown"]);
    expect(gate.code).to.equal(3);
    expect(gate.stderr).to.contain("--fail-on owner: ana@example.com (drift), owner@example.com (person), Team Ops (team)");
    expect(gate.stdout).to.contain("## Astro access no code declares");
    expect(gate.stdout).to.contain("| person | owner@example.com | ORGANIZATION_OWNER |");

    // Drift is the stack's to restore, as the finding says; the rest is outside every stack.
    await people.run(["up", "--refresh", "--yes"]);
    expect(rows((await auditJson()).report).map(([kind, who]) => `${kind} ${who}`)).to.deep.equal([
      "grant bob@example.com",
      "person owner@example.com",
      "person pat@example.com",
      "team Ops",
    ]);
  });

  it("an allow entry silences an Owner until its expiry; an expired one reports it again", async () => {
    writeFileSync(allowFile, `owner@example.com until ${day(1)}: break-glass account\nteam "Ops": on-call, until Teams are code\n`);
    const allowed = await astroInvites(["audit", "--stack", "test", "--state", stateFile, "--fail-on", "owner", "--allow", allowFile]);
    expect(allowed.code, allowed.stderr).to.equal(0);
    expect(allowed.stdout).to.contain("allowed (--allow):\n  owner@example.com: break-glass account (until");

    writeFileSync(allowFile, `owner@example.com until ${day(-1)}: break-glass account\nteam "Ops": on-call, until Teams are code\n`);
    const expired = await astroInvites(["audit", "--stack", "test", "--state", stateFile, "--fail-on", "owner", "--allow", allowFile]);
    expect(expired.code).to.equal(3);
    expect(expired.stdout).to.contain(`The allow entry on line 1 expired ${day(-1)}.`);
  });

  it("export --only, adopt in the member stack, declare the grant: the audit is clean and up sent no invite", async () => {
    const adopt = join(members.projectDir, "adopt.txt");
    const exported = await astroInvites(["export", "--only", "owner@example.com,PAT@example.com", "--output", adopt]);
    expect(exported.code, exported.stderr).to.equal(0);
    const lines = readFileSync(adopt, "utf8")
      .split("\n")
      .filter((line) => line && !line.startsWith("#"));
    expect(lines).to.deep.equal(["owner@example.com ORGANIZATION_OWNER", "pat@example.com ORGANIZATION_MEMBER # pending"]);
    appendFileSync(memberFile, readFileSync(adopt, "utf8"));
    await declare(people, {
      ana: { email: "ana@example.com" },
      bob: { email: "bob@example.com", workspaceRoles: { [data]: "WORKSPACE_MEMBER", [ml]: "WORKSPACE_AUTHOR" } },
    });
    emulator.log.length = 0;
    await members.run(["up", "--yes"]);
    await people.run(["up", "--yes"]);
    // Adopted, not invited: no invite was created (a create refused for an existing role sends nothing).
    expect(emulator.log.filter((entry) => entry.operation === "createInvite" && entry.status === 200)).to.deep.equal([]);
    await exportMembersState();

    writeFileSync(allowFile, 'team "Ops": on-call, until Teams are code\n');
    const { code, report, stderr } = await auditJson(["--fail-on", "any", "--allow", allowFile]);
    expect(code, stderr).to.equal(0);
    expect(report.findings).to.deep.equal([]);
    expect(report.allowed.map((a) => a.who)).to.deep.equal(["Ops"]);
    expect(report.sources).to.deep.equal([
      { source: "stack test", people: 2, teams: 0 },
      { source: stateFile, people: 4, teams: 0 },
    ]);
  });

  it("a declaration the state keeps as a secret: named as not audited, exit 4, never a clean organization", async () => {
    await declare(people, {
      ana: { email: "ana@example.com" },
      bob: { email: "bob@example.com", workspaceRoles: { [data]: "WORKSPACE_MEMBER", [ml]: "WORKSPACE_AUTHOR" } },
      sec: { email: "sec@example.com", role: "ORGANIZATION_MEMBER", secretRole: true },
    });
    await people.run(["up", "--yes"]);
    const { code, report, stderr } = await auditJson(["--allow", allowFile]);
    expect(code).to.equal(4);
    expect(report.complete).to.equal(false);
    expect(report.notAudited).to.have.length(1);
    expect(report.notAudited[0]).to.match(/^stack test: invite sec keeps its role as a secret/);
    expect(stderr).to.contain("astro-invites audit: incomplete, not a clean organization: stack test: invite sec");
    // Whom it declares is not known, so the person counts as undeclared.
    expect(report.findings.map((f) => [f.kind, f.who])).to.deep.equal([["person", "sec@example.com"]]);
  });

  describe("bad input: one line naming the problem, exit 2, before the organization is read", () => {
    for (const [name, args, message] of [
      ["no stack or state", ["audit"], "give at least one --stack NAME or --state FILE"],
      ["an unknown --fail-on", ["audit", "--stack", "test", "--fail-on", "owners"], '--fail-on must be one of [owner, any], got "owners"'],
      ["a stack the project does not have", ["audit", "--stack", "nope"], "cannot read stack nope through the Pulumi CLI"],
      ["a state file that is not a stack export", ["audit", "--state", "Pulumi.yaml"], "Pulumi.yaml is not JSON"],
    ] as const) {
      it(name, async () => {
        emulator.log.length = 0;
        const result = await astroInvites([...args]);
        expect(result.code).to.equal(2);
        expect(result.stderr.trim().split("\n").pop()).to.contain(message);
        expect(emulator.log).to.deep.equal([]);
      });
    }

    it("a malformed allow file names its line", async () => {
      writeFileSync(allowFile, "# ok\nowner@example.com until tomorrow: x\n");
      const result = await astroInvites(["audit", "--stack", "test", "--allow", allowFile]);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.contain(`${allowFile}:2: until must be a date YYYY-MM-DD, got "tomorrow"`);
    });
  });
});
