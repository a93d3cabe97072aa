import { expect } from "chai";
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { Emulator, startEmulator } from "../../provider/emulator/server";
import { installedPluginProject } from "../../scripts/lib/installed-project";
import { pulumiCli, PulumiWorkspace, REPO_ROOT } from "../../scripts/lib/workspace";

const run = promisify(execFile);

const OWNER = "ORGANIZATION_OWNER";
const MEMBER = "ORGANIZATION_MEMBER";

/** Pulumi.yaml of a YAML program using the package through its plugin directory. */
const pulumiYaml = (plugin: string, resources: Record<string, unknown>, outputs: Record<string, string> = {}) =>
  JSON.stringify({ name: "yaml-infra", runtime: "yaml", packages: { astro: plugin }, resources, outputs }, null, 2);

const team = (members: { email: string; role?: string }[]) => ({
  type: "astro:index:OrganizationUserInvites",
  properties: { members, defaults: { onDelete: "demote" } },
});
const lead = { type: "astro:index:OrganizationUserInvite", properties: { email: "lead@example.com", role: "ORGANIZATION_BILLING_ADMIN" } };
const ops = { type: "astro:index:OrganizationUserInvites", properties: { file: "ops.txt" } };

/**
 * A Pulumi YAML program, run by the real CLI and Pulumi YAML's language host, using the package the way the
 * README sets it up: installed beside Pulumi.yaml from the npm tarball, named under `packages:`. One stack
 * goes through a whole life, against the emulator.
 */
describe("Pulumi YAML programs under the real Pulumi CLI", function () {
  this.timeout(15 * 60_000);
  let emulator: Emulator;
  let dir: string;
  let plugin: string;
  let stack: PulumiWorkspace;
  const write = (resources: Record<string, unknown>, outputs?: Record<string, string>) =>
    writeFileSync(join(dir, "Pulumi.yaml"), pulumiYaml(plugin, resources, outputs));
  const member = (email: string) => emulator.organization().users.find((u) => u.username === email);
  const writes = () => emulator.log.filter((e) => e.method !== "GET");

  before(async () => {
    emulator = await startEmulator();
    ({ dir, plugin } = await installedPluginProject("yaml-infra"));
    writeFileSync(join(dir, "ops.txt"), "# the on-call rota\nops@example.com ORGANIZATION_OBSERVE_ADMIN\n");
    write({});
    stack = new PulumiWorkspace(dir, "prod", { inPlace: true });
    await stack.init(
      { "astro:apiUrl": emulator.apiUrl, "astro:organizationId": emulator.organizationId },
      { "astro:apiToken": emulator.token },
    );
  });
  after(async () => {
    stack?.dispose();
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the plugin's schema is the one checked in: types, enums and descriptions other languages' SDKs are generated from", async () => {
    const { stdout } = await stack.run(["package", "get-schema", plugin]);
    const expected = readFileSync(join(REPO_ROOT, "test/fixtures/schema/astro.json"), "utf8");
    expect(JSON.parse(stdout)).to.deep.equal(JSON.parse(expected));
  });

  it("a bad email fails before anything is sent, naming the field", async () => {
    write({ lead: { type: "astro:index:OrganizationUserInvite", properties: { email: "lead-at-example.com" } } });
    emulator.log.length = 0;
    const { code, output } = await stack.run(["up", "--yes"], { allowFailure: true });
    expect(code).to.not.equal(0);
    // The same check failure a TypeScript program gets: the property, and what would be valid.
    expect(output).to.match(/property email .*must contain exactly one "@", such as jane@example\.com/);
    expect(writes()).to.deep.equal([]);
  });

  it("preview sends nothing; up invites; refresh sees acceptance; a role change, a member removed; destroy leaves least privilege", async () => {
    const members = [{ email: "jane@example.com", role: OWNER }, { email: "bob@example.com" }];
    write({ "data-team": team(members), lead, ops }, { counts: "${data-team.counts}", leadStatus: "${lead.status}" });
    emulator.log.length = 0;
    await stack.run(["preview"]);
    expect(writes()).to.deep.equal([]);

    const up = await stack.run(["up", "--yes"]);
    expect(up.output).to.contain("leadStatus");
    expect(member("jane@example.com")).to.include({ status: "PENDING", organizationRole: OWNER });
    expect(member("lead@example.com")).to.include({ organizationRole: "ORGANIZATION_BILLING_ADMIN" });
    // The team file's relative path is read from the program's directory.
    expect(member("ops@example.com")).to.include({ organizationRole: "ORGANIZATION_OBSERVE_ADMIN" });
    const { text } = await stack.exportState();
    expect(text).not.to.contain(emulator.token);

    emulator.state.acceptInviteOf(emulator.organizationId, "jane@example.com");
    await stack.run(["refresh", "--yes"]);
    expect((await stack.invites())["data-team-jane@example.com"].outputs).to.include({ status: "ACTIVE" });

    write({ "data-team": team([{ email: "jane@example.com", role: "ORGANIZATION_OBSERVE_ADMIN" }]), lead, ops });
    const bobInvite = emulator.organization().invites.find((i) => i.email === "bob@example.com" && i.state === "pending")!;
    await stack.run(["up", "--yes"]);
    expect(member("jane@example.com")).to.include({ status: "ACTIVE", organizationRole: "ORGANIZATION_OBSERVE_ADMIN" });
    expect(emulator.organization().invites.find((i) => i.inviteId === bobInvite.inviteId)).to.not.include({ state: "pending" });
    expect(member("bob@example.com")).to.equal(undefined);

    // Renamed without aliases: jane's record continues under the new name (not adopted), nothing is sent.
    write({ "platform-team": team([{ email: "jane@example.com", role: "ORGANIZATION_OBSERVE_ADMIN" }]), lead, ops });
    emulator.log.length = 0;
    const renamed = await stack.run(["up", "--yes"]);
    expect(writes()).to.deep.equal([]);
    expect(renamed.output).not.to.contain("handed over");
    expect((await stack.invites())["platform-team-jane@example.com"].outputs).to.include({ adopted: false });

    await stack.run(["destroy", "--yes"]);
    expect(member("jane@example.com")).to.include({ status: "ACTIVE", organizationRole: MEMBER });
    expect(member("lead@example.com")).to.equal(undefined);
    expect(member("ops@example.com")).to.equal(undefined);
  });

  it("astro:index:Team: a Team whose members are the program's own invitee and a member, created by up and deleted by destroy", async () => {
    emulator.state.seedMember(emulator.organizationId, "yaml-lead@example.com", "ORGANIZATION_MEMBER");
    emulator.state.switches.pendingTeamMembers = "accept";
    const resources = {
      newcomer: { type: "astro:index:OrganizationUserInvite", properties: { email: "newcomer@example.com" } },
      observers: {
        type: "astro:index:Team",
        properties: {
          name: "YAML Observers",
          organizationRole: "ORGANIZATION_OBSERVE_ADMIN",
          members: ["yaml-lead@example.com", "${newcomer.email}"],
        },
      },
    };
    write(resources, { teamId: "${observers.teamId}" });
    emulator.log.length = 0;
    await stack.run(["preview"]);
    expect(writes()).to.deep.equal([]);
    await stack.run(["up", "--yes"]);
    const team = emulator.organization().teams.find((t) => t.name === "YAML Observers")!;
    expect(team).to.include({ organizationRole: "ORGANIZATION_OBSERVE_ADMIN" });
    expect(team.memberIds.map((id) => emulator.organization().users.find((u) => u.id === id)!.username).sort()).to.deep.equal([
      "newcomer@example.com",
      "yaml-lead@example.com",
    ]);
    expect((await stack.run(["stack", "output", "teamId"])).stdout.trim()).to.equal(team.id);
    await stack.run(["destroy", "--yes"]);
    expect(emulator.organization().teams.find((t) => t.name === "YAML Observers")).to.equal(undefined);
    emulator.state.switches.pendingTeamMembers = "reject";
  });

  it("a program directory without the package installed fails with the command that fixes it", async () => {
    const bare = mkdtempSync(join(tmpdir(), "yaml-bare-"));
    try {
      writeFileSync(join(bare, "Pulumi.yaml"), pulumiYaml(join(dir, plugin), { lead }));
      const elsewhere = new PulumiWorkspace(bare, "dev", { inPlace: true });
      try {
        await elsewhere.init({ "astro:apiUrl": emulator.apiUrl, "astro:organizationId": emulator.organizationId });
        const { code, output } = await elsewhere.run(["preview"], { allowFailure: true });
        expect(code).to.not.equal(0);
        expect(output).to.contain("npm install pulumi-astro-invites @pulumi/pulumi");
      } finally {
        elsewhere.dispose();
      }
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it("a Go Automation API inline program declares the invite through the generated Go SDK (sdk/go): up invites, destroy revokes", async () => {
    const build = mkdtempSync(join(tmpdir(), "go-automation-"));
    const work = mkdtempSync(join(tmpdir(), "go-infra-"));
    try {
      const binary = join(build, "go-automation-fixture");
      await run("go", ["build", "-o", binary, "."], { cwd: join(REPO_ROOT, "test/fixtures/go-automation"), maxBuffer: 16 * 1024 * 1024 });
      // The program's directory holds the install the README asks for, as for any language.
      cpSync(join(dir, "node_modules"), join(work, "node_modules"), { recursive: true });
      const home = mkdtempSync(join(tmpdir(), "go-home-"));
      const env = {
        ...process.env,
        PATH: `${dirname(pulumiCli())}:${process.env.PATH}`,
        PULUMI_HOME: join(home, "home"),
        PULUMI_BACKEND_URL: `file://${home}`,
        PULUMI_CONFIG_PASSPHRASE: "go-automation",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        ASTRO_API_URL: emulator.apiUrl,
        ASTRO_ORGANIZATION_ID: emulator.organizationId,
        ASTRO_API_TOKEN: emulator.token,
      };
      const up = await run(binary, [work, plugin, "up"], { env, maxBuffer: 16 * 1024 * 1024 });
      expect(up.stdout.trim()).to.equal("PENDING ORGANIZATION_BILLING_ADMIN");
      expect(member("gopher@example.com")).to.include({ status: "PENDING", organizationRole: "ORGANIZATION_BILLING_ADMIN" });
      const stateFiles = readdirSync(join(home, ".pulumi", "stacks", "go-infra"), { recursive: true }).map(String);
      for (const file of stateFiles.filter((f) => f.endsWith(".json"))) {
        expect(readFileSync(join(home, ".pulumi", "stacks", "go-infra", file), "utf8")).not.to.contain(emulator.token);
      }
      await run(binary, [work, plugin, "destroy"], { env, maxBuffer: 16 * 1024 * 1024 });
      expect(member("gopher@example.com")).to.equal(undefined);
      rmSync(home, { recursive: true, force: true });
    } finally {
      rmSync(build, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    }
  });
});
