import { expect } from "chai";
import { execFile } from "node:child_process";
import { existsSync, lstatSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Emulator, startEmulator } from "../../provider/emulator/server";
import { installedProject } from "../../scripts/lib/installed-project";
import { PulumiWorkspace, REPO_ROOT } from "../../scripts/lib/workspace";

const run = promisify(execFile);

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { OrganizationUserInvite, OrganizationRole } from "pulumi-astro-invites";

const role: OrganizationRole = "ORGANIZATION_OBSERVE_ADMIN";
const ada = new OrganizationUserInvite("ada", { email: "ada@example.com", role });
const grace = new OrganizationUserInvite("grace", { email: "Grace@Example.com" });

export const statuses: pulumi.Output<string>[] = [ada.status, grace.status];
export const emails = [ada.email, grace.email];
`;

describe("the npm tarball in someone else's Pulumi project", function () {
  this.timeout(15 * 60_000);
  let emulator: Emulator;
  let project: string;
  let tarball: string;
  before(async () => {
    emulator = await startEmulator();
    ({ dir: project, tarball } = await installedProject("acme-infra", { "index.ts": PROGRAM }));
  });
  after(async () => {
    await emulator.stop();
    rmSync(project, { recursive: true, force: true });
  });

  it("holds only compiled JavaScript, type declarations, the plugin directory and Python SDK for other languages, README, LICENSE and CHANGELOG", async () => {
    const { stdout } = await run("tar", ["tzf", tarball]);
    const files = stdout
      .trim()
      .split("\n")
      .map((f) => f.replace(/^package\//, ""));
    expect(files).to.include.members([
      "package.json",
      "README.md",
      "LICENSE",
      "CHANGELOG.md",
      "dist/provider/index.js",
      "dist/provider/index.d.ts",
      "dist/provider/invite/lifecycle.js",
      "dist/provider/emulator/cli.js",
      "provider/plugin/PulumiPlugin.yaml",
      "provider/plugin/index.js",
      "sdk/python/setup.py",
      "sdk/python/pulumi_astro_invites/__init__.py",
      "sdk/python/pulumi_astro_invites/pulumi-plugin.json",
    ]);
    const unexpected = files.filter(
      (f) =>
        !/^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/provider\/.*\.(js|d\.ts)|provider\/plugin\/(PulumiPlugin\.yaml|package\.json|index\.js)|sdk\/python\/(setup\.py|pulumi_astro_invites\/[\w.-]+))$/.test(
          f,
        ),
    );
    expect(unexpected).to.deep.equal([]);
  });

  it("installs with @pulumi/pulumi, type-checks strictly, and runs preview, up, refresh and destroy", async () => {
    // installedProject ran npm install: the package is a real copy in this project's node_modules.
    const installed = join(project, "node_modules", "pulumi-astro-invites");
    expect(lstatSync(installed).isSymbolicLink()).to.equal(false);
    await run(join(project, "node_modules", ".bin", "tsc"), ["--noEmit", "--strict", "-p", project]);
    // An exported subpath this package does not offer must not type-check either: the exports map is real.
    writeFileSync(join(project, "bad.ts"), 'import { check } from "pulumi-astro-invites/dist/provider/invite/lifecycle";\n');
    const bad = await run(
      join(project, "node_modules", ".bin", "tsc"),
      ["--noEmit", "--strict", "--moduleResolution", "node16", "--module", "node16", "bad.ts"],
      { cwd: project },
    ).then(
      () => "compiled",
      () => "refused",
    );
    expect(bad).to.equal("refused");
    rmSync(join(project, "bad.ts"));

    const stack = new PulumiWorkspace(project, "prod", { inPlace: true });
    try {
      await stack.init(
        { "astro:organizationId": emulator.organizationId, "astro:apiUrl": emulator.apiUrl },
        { "astro:apiToken": emulator.token },
      );
      const preview = await stack.run(["preview"]);
      expect(preview.output).to.contain("+ 3 to create");
      await stack.run(["up", "--yes"]);
      const users = () =>
        emulator.state
          .snapshot()
          .organizations[0].users.map((u) => `${u.username} ${u.status} ${u.organizationRole}`)
          .sort();
      expect(users()).to.deep.equal([
        "ada@example.com PENDING ORGANIZATION_OBSERVE_ADMIN",
        "grace@example.com PENDING ORGANIZATION_MEMBER",
      ]);

      const { text, state } = await stack.exportState();
      expect(text).not.to.contain(REPO_ROOT);
      expect(text).not.to.contain(emulator.token);
      // Installed in node_modules, the serialized provider is a single require of the package's provider.
      for (const resource of state.resources.filter((r) => r.type.endsWith("OrganizationUserInvite"))) {
        expect(resource.outputs.__provider).to.contain('require("pulumi-astro-invites/provider")');
        expect(String(resource.outputs.__provider).length).to.be.below(700);
      }

      emulator.state.acceptInviteOf(emulator.organizationId, "ada@example.com");
      await stack.run(["refresh", "--yes"]);
      expect((await stack.invites()).ada.outputs.status).to.equal("ACTIVE");

      // Proof that refresh and destroy load the implementation from this project's node_modules.
      const lifecycle = join(installed, "dist/provider/invite/lifecycle.js");
      const marker = join(project, "destroy-ran-here");
      writeFileSync(
        lifecycle,
        `${readFileSync(lifecycle, "utf8")}\nconst originalRemove = exports.remove;\nexports.remove = async (id, props) => { require("fs").appendFileSync(${JSON.stringify(marker)}, id + "\\n"); return originalRemove(id, props); };\n`,
      );
      await stack.run(["destroy", "--yes"]);
      expect(readFileSync(marker, "utf8").trim().split("\n").sort()).to.deep.equal([
        `${emulator.organizationId}/ada@example.com`,
        `${emulator.organizationId}/grace@example.com`,
      ]);
      expect(users()).to.deep.equal(["ada@example.com ACTIVE ORGANIZATION_MEMBER"]);
      expect(existsSync(join(project, "Pulumi.prod.yaml"))).to.equal(false);
    } finally {
      stack.dispose();
    }
  });

  it("loads no emulator code from the main entry; the emulator has its own", async () => {
    const probe = [
      'require("pulumi-astro-invites");',
      "const loaded = Object.keys(require.cache).filter((file) => file.includes(`${require('path').sep}emulator${require('path').sep}`));",
      'console.log(JSON.stringify({ loaded, emulator: typeof require("pulumi-astro-invites/emulator").startEmulator }));',
    ].join("\n");
    const { stdout } = await run(process.execPath, ["-e", probe], { cwd: project });
    expect(JSON.parse(stdout)).to.deep.equal({ loaded: [], emulator: "function" });
  });

  it("offers the emulator and astro-invites (review, export) as bins", async () => {
    const emulatorHelp = await run(join(project, "node_modules", ".bin", "astro-api-emulator"), ["--help"]);
    expect(emulatorHelp.stdout).to.contain("--port N");
    const toolsHelp = await run(join(project, "node_modules", ".bin", "astro-invites"), ["--help"]);
    expect(toolsHelp.stdout).to.contain("astro-invites review [FILE]").and.to.contain("astro-invites export");
  });
});
