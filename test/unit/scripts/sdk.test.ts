import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../../scripts/lib/workspace";

const run = promisify(execFile);

/** Every file below `dir`, by its path relative to it. */
function files(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    found.set(relative(dir, path), readFileSync(path, "utf8"));
  }
  return found;
}

/**
 * The SDK files the repository holds: tracked, or new and not ignored. What a build leaves in them (a
 * `pip install ./sdk/python` writes build/ and *.egg-info/, which the SDK's own .gitignore ignores) is not the SDK.
 */
async function repositoryFiles(dir: string): Promise<Map<string, string>> {
  const { stdout } = await run("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", "."], { cwd: dir });
  return new Map(
    stdout
      .split("\n")
      .filter(Boolean)
      .map((path) => [path, readFileSync(join(dir, path), "utf8")]),
  );
}

describe("the generated SDKs (sdk/python, sdk/go)", function () {
  // Building Pulumi's code generators takes minutes the first time on a machine (Go caches them).
  this.timeout(20 * 60_000);

  it("are exactly what the plugin's schema generates: `npm run sdk` after a schema change", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "astro-sdk-"));
    try {
      await run("bash", [join(REPO_ROOT, "scripts/sdk.sh"), fresh], { maxBuffer: 16 * 1024 * 1024 });
      const generated = files(fresh);
      const checkedIn = await repositoryFiles(join(REPO_ROOT, "sdk"));
      expect([...checkedIn.keys()].sort(), "the files").to.deep.equal([...generated.keys()].sort());
      const stale = [...generated].filter(([path, text]) => checkedIn.get(path) !== text).map(([path]) => path);
      expect(stale, "files that differ from what the schema generates (run `npm run sdk`)").to.deep.equal([]);
      expect(generated.get("python/pulumi_astro_invites/team.py")).to.contain("class Team(pulumi.ComponentResource):");
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
