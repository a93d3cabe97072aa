import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPO = resolve(__dirname, "../../..");
const SCRIPT = join(REPO, "scripts/pulumi-cli.sh");

/**
 * The first run of scripts/pulumi-cli.sh on a machine without the cache, in seconds instead of minutes: a
 * stand-in `go` on PATH "builds" the CLI by writing a small script where `go build -o` says, and logs each
 * call, so the test sees the real script's own steps (cache layout, heartbeat, wrapper, link, exit status).
 */
describe("scripts/pulumi-cli.sh on a machine without the cache", () => {
  let dir: string;
  let cache: string;
  let goLog: string;
  let env: Record<string, string>;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "pulumi-cli-first-run-"));
    cache = join(dir, "cache");
    goLog = join(dir, "go.log");
    const stubs = join(dir, "bin");
    spawnSync("mkdir", ["-p", stubs]);
    writeFileSync(
      join(stubs, "go"),
      [
        "#!/bin/sh",
        `echo "$*" >> "${goLog}"`,
        'if [ "$1" = build ]; then',
        '  out=""; while [ $# -gt 0 ]; do if [ "$1" = -o ]; then out=$2; fi; shift; done',
        '  printf "#!/bin/sh\\necho stand-in pulumi\\n" > "$out" && chmod +x "$out"',
        "fi",
        'if [ "$1" = install ]; then mkdir -p "$GOBIN" && printf "#!/bin/sh\\n" > "$GOBIN/pulumi-language-yaml" && chmod +x "$GOBIN/pulumi-language-yaml"; fi',
      ].join("\n") + "\n",
    );
    chmodSync(join(stubs, "go"), 0o755);
    // No pulumi on PATH (that would short-circuit the build): only the stand-in and the system's tools.
    env = { PATH: `${stubs}:/usr/bin:/bin`, HOME: dir, PULUMI_CLI_CACHE: cache };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (...args: string[]) => spawnSync("bash", [SCRIPT, ...args], { env, encoding: "utf8" });

  it("builds into the empty cache, exits 0 and prints the CLI's path, the host wrappers and launcher beside it", () => {
    const first = run();
    expect(first.status, first.stderr).to.equal(0);
    expect(first.stdout).to.equal(`${join(cache, "bin/pulumi")}\n`);
    expect(first.stderr).to.include("built the Pulumi CLI");
    expect(readFileSync(goLog, "utf8")).to.match(
      /^mod tidy\nbuild -o .*pulumi\.tmp -ldflags -X github\.com\/pulumi\/pulumi\/sdk\/v3\/go\/common\/version\.Version=v3\.274\.1 github\.com\/pulumi\/pulumi\/pkg\/v3\/cmd\/pulumi\n$/,
    );
    expect(existsSync(join(cache, "bin/pulumi.tmp"))).to.equal(false);
    expect(readFileSync(join(cache, "bin/pulumi-language-nodejs"), "utf8")).to.include(join(REPO, "scripts/language-hosts/nodejs.js"));
    expect(readFileSync(join(cache, "bin/pulumi-language-python"), "utf8")).to.include(join(REPO, "scripts/language-hosts/python.js"));
    expect(readlinkSync(join(cache, "bin/pulumi-resource-pulumi-nodejs"))).to.equal(
      join(REPO, "node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"),
    );
  });

  it("a second run reuses the cache: no go call, the same path, exit 0", () => {
    const calls = readFileSync(goLog, "utf8");
    const second = run();
    expect(second.status, second.stderr).to.equal(0);
    expect(second.stdout).to.equal(`${join(cache, "bin/pulumi")}\n`);
    expect(readFileSync(goLog, "utf8")).to.equal(calls);
  });

  it("--yaml builds Pulumi YAML's host beside the cached CLI once, then reuses it", () => {
    const before = readFileSync(goLog, "utf8");
    const first = run("--yaml");
    expect(first.status, first.stderr).to.equal(0);
    expect(first.stdout).to.equal(`${join(cache, "bin/pulumi")}\n`);
    expect(first.stderr).to.include("built pulumi-language-yaml v1.38.1");
    expect(readFileSync(goLog, "utf8").slice(before.length)).to.equal(
      "install github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@v1.38.1\n",
    );
    expect(existsSync(join(cache, "bin/pulumi-language-yaml"))).to.equal(true);
    expect(existsSync(join(cache, "bin/yaml.tmp"))).to.equal(false);
    const calls = readFileSync(goLog, "utf8");
    expect(run("--yaml").status).to.equal(0);
    expect(readFileSync(goLog, "utf8")).to.equal(calls);
  });

  it("a cached CLI that does not know its version (built by an older script) is built again", () => {
    writeFileSync(join(cache, "bin/pulumi"), "#!/bin/sh\n");
    const calls = readFileSync(goLog, "utf8");
    const again = run();
    expect(again.status, again.stderr).to.equal(0);
    expect(again.stderr).to.include("does not know its version");
    expect(readFileSync(goLog, "utf8").slice(calls.length)).to.match(/^mod tidy\nbuild -o /);
    expect(readFileSync(join(cache, "bin/pulumi"), "utf8")).to.include("stand-in pulumi");
  });

  it("a failed build exits 1 naming the step, and leaves no CLI in the cache", () => {
    const broken = join(dir, "broken-cache");
    writeFileSync(join(dir, "bin/go"), '#!/bin/sh\n[ "$1" = build ] && exit 2\nexit 0\n');
    const failed = spawnSync("bash", [SCRIPT], { env: { ...env, PULUMI_CLI_CACHE: broken }, encoding: "utf8" });
    expect(failed.status).to.equal(1);
    expect(failed.stdout).to.equal("");
    expect(failed.stderr).to.include("FAILED at step 'compile pulumi'");
    expect(existsSync(join(broken, "bin/pulumi"))).to.equal(false);
  });
});
