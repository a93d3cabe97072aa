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
const BUFFER = { maxBuffer: 16 * 1024 * 1024 };

// The Pulumi release the lockfile's @pulumi/pulumi is: a user gets the newest 3.x the SDK allows.
const REQUIREMENTS = "pulumi==3.270.0\n./node_modules/pulumi-astro-invites/sdk/python\n";

const PULUMI_YAML = (plugin: string) =>
  ["name: python-infra", "runtime:", "  name: python", "  options:", "    virtualenv: venv", "packages:", `  astro: ${plugin}`, ""].join(
    "\n",
  );

/** The README's program: a member file and one invite. */
const program = (leadEmail: string) => `import pulumi
import pulumi_astro_invites as astro

data_team = astro.OrganizationUserInvites("data-team", file="data-team.txt")
lead = astro.OrganizationUserInvite("lead", email="${leadEmail}", role=astro.OrganizationRole.ORGANIZATION_BILLING_ADMIN)

pulumi.export("counts", data_team.counts)
pulumi.export("lead_status", lead.status)
`;

/**
 * A \`runtime: python\` program run as \`pulumi up\` runs it: the real CLI, the stand-in Python language host
 * (scripts/language-hosts/python.js), the program's own virtualenv with the SDK this package ships
 * installed from node_modules by requirements.txt, as the README sets it up. One stack goes through a whole
 * life against the emulator; the Automation API case shares the virtualenv.
 */
describe("Python programs under the real Pulumi CLI", function () {
  this.timeout(15 * 60_000);
  let emulator: Emulator;
  let dir: string;
  let plugin: string;
  let stack: PulumiWorkspace;
  const python = () => join(dir, "venv", "bin", "python");
  const member = (email: string) => emulator.organization().users.find((u) => u.username === email);
  const writes = () => emulator.log.filter((e) => e.method !== "GET");
  const members = (text: string) => writeFileSync(join(dir, "data-team.txt"), text);

  before(async () => {
    emulator = await startEmulator();
    ({ dir, plugin } = await installedPluginProject("python-infra"));
    writeFileSync(join(dir, "Pulumi.yaml"), PULUMI_YAML(plugin));
    writeFileSync(join(dir, "requirements.txt"), REQUIREMENTS);
    writeFileSync(join(dir, "__main__.py"), program("lead@example.com"));
    members("# the data team\njane@example.com ORGANIZATION_OWNER\nbob@example.com\n");
    await run("python3", ["-m", "venv", join(dir, "venv")]);
    await run(python(), ["-m", "pip", "install", "--quiet", "-r", "requirements.txt"], { cwd: dir, ...BUFFER });
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

  it("a bad email fails before anything is sent, naming the field", async () => {
    writeFileSync(join(dir, "__main__.py"), program("lead-at-example.com"));
    emulator.log.length = 0;
    const { code, output } = await stack.run(["up", "--yes"], { allowFailure: true });
    expect(code).to.not.equal(0);
    expect(output).to.match(/property email .*must contain exactly one "@", such as jane@example\.com, got "lead-at-example\.com"/);
    expect(writes()).to.deep.equal([]);
    writeFileSync(join(dir, "__main__.py"), program("lead@example.com"));
  });

  it("preview sends nothing; up invites from the member file; refresh sees acceptance; a role change, a removal; destroy leaves least privilege", async () => {
    emulator.log.length = 0;
    const preview = await stack.run(["preview"]);
    expect(preview.output).to.contain("data-team-jane@example.com");
    expect(writes()).to.deep.equal([]);

    const up = await stack.run(["up", "--yes"]);
    expect(up.output).to.match(/lead_status\s*:\s*"PENDING"/);
    expect(member("jane@example.com")).to.include({ status: "PENDING", organizationRole: "ORGANIZATION_OWNER" });
    expect(member("bob@example.com")).to.include({ status: "PENDING", organizationRole: "ORGANIZATION_MEMBER" });
    expect(member("lead@example.com")).to.include({ organizationRole: "ORGANIZATION_BILLING_ADMIN" });
    expect((await stack.exportState()).text).not.to.contain(emulator.token);

    emulator.state.acceptInviteOf(emulator.organizationId, "jane@example.com");
    await stack.run(["refresh", "--yes"]);
    expect((await stack.invites())["data-team-jane@example.com"].outputs).to.include({ status: "ACTIVE" });

    members("jane@example.com ORGANIZATION_OBSERVE_ADMIN\n");
    const bobInvite = emulator.organization().invites.find((i) => i.email === "bob@example.com" && i.state === "pending")!;
    await stack.run(["up", "--yes"]);
    expect(member("jane@example.com")).to.include({ status: "ACTIVE", organizationRole: "ORGANIZATION_OBSERVE_ADMIN" });
    expect(emulator.organization().invites.find((i) => i.inviteId === bobInvite.inviteId)).to.not.include({ state: "pending" });
    expect(member("bob@example.com")).to.equal(undefined);

    await stack.run(["destroy", "--yes"]);
    // jane accepted: destroy takes away what the stack granted and leaves her a Member (onDelete's default).
    expect(member("jane@example.com")).to.include({ status: "ACTIVE", organizationRole: "ORGANIZATION_MEMBER" });
    expect(member("lead@example.com")).to.equal(undefined);
  });

  it("an SDK other than the one the installed package ships fails the program, saying what to run", async () => {
    const site = join(dir, "venv", "lib", readdirSync(join(dir, "venv", "lib"))[0], "site-packages", "pulumi_astro_invites");
    const enums = join(site, "_enums.py");
    const original = readFileSync(enums, "utf8");
    try {
      // An older SDK, as after `npm update` without reinstalling the Python side: one role fewer.
      writeFileSync(enums, original.replace(/\n\s*ORGANIZATION_OBSERVE_ADMIN = .*\n/, "\n"));
      emulator.log.length = 0;
      const { code, output } = await stack.run(["preview"], { allowFailure: true });
      expect(code).to.not.equal(0);
      expect(output).to.contain("is not the one pulumi-astro-invites");
      expect(output).to.contain("venv/bin/pip install ./node_modules/pulumi-astro-invites/sdk/python");
      expect(writes()).to.deep.equal([]);
    } finally {
      writeFileSync(enums, original);
    }
  });

  it("a missing virtualenv is named with the commands that make it", async () => {
    writeFileSync(join(dir, "Pulumi.yaml"), PULUMI_YAML(plugin).replace("virtualenv: venv", "virtualenv: .venv"));
    try {
      const { code, output } = await stack.run(["preview"], { allowFailure: true });
      expect(code).to.not.equal(0);
      expect(output).to.contain(`python3 -m venv ${join(dir, ".venv")}`);
      expect(output).to.contain("-m pip install -r requirements.txt");
    } finally {
      writeFileSync(join(dir, "Pulumi.yaml"), PULUMI_YAML(plugin));
    }
  });

  it("a Python Automation API inline program declares the invite through the same SDK: up invites, destroy revokes", async () => {
    const work = mkdtempSync(join(tmpdir(), "python-infra-"));
    const home = mkdtempSync(join(tmpdir(), "python-home-"));
    try {
      cpSync(join(dir, "node_modules"), join(work, "node_modules"), { recursive: true });
      const env = {
        ...process.env,
        PATH: `${dirname(pulumiCli())}:${process.env.PATH}`,
        PULUMI_HOME: join(home, "home"),
        PULUMI_BACKEND_URL: `file://${home}`,
        PULUMI_CONFIG_PASSPHRASE: "python-automation",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        ASTRO_API_URL: emulator.apiUrl,
        ASTRO_ORGANIZATION_ID: emulator.organizationId,
        ASTRO_API_TOKEN: emulator.token,
      };
      const script = join(REPO_ROOT, "test/fixtures/python-automation/main.py");
      const up = await run(python(), [script, work, plugin, "up"], { env, ...BUFFER });
      expect(up.stdout.trim()).to.equal("PENDING ORGANIZATION_BILLING_ADMIN");
      expect(member("pythonista@example.com")).to.include({ status: "PENDING", organizationRole: "ORGANIZATION_BILLING_ADMIN" });
      const stateFiles = readdirSync(join(home, ".pulumi", "stacks", "python-infra"), { recursive: true }).map(String);
      for (const file of stateFiles.filter((f) => f.endsWith(".json"))) {
        expect(readFileSync(join(home, ".pulumi", "stacks", "python-infra", file), "utf8")).not.to.contain(emulator.token);
      }
      await run(python(), [script, work, plugin, "destroy"], { env, ...BUFFER });
      expect(member("pythonista@example.com")).to.equal(undefined);
    } finally {
      for (const path of [work, home]) rmSync(path, { recursive: true, force: true });
    }
  });
});
