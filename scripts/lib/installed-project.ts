import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "./workspace";

const run = promisify(execFile);

/** The version of a package this repository's lockfile pins, so a user's project tests what we test. */
function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8"));
  return lock.packages[`node_modules/${name}`].version;
}

/**
 * A Pulumi TypeScript project outside this repository, as a user would have it: its own package.json,
 * tsconfig.json and Pulumi.yaml, with this package installed from the tarball `npm pack` makes and
 * @pulumi/pulumi at the lockfile's version. `files` are the program's files (index.ts at least).
 */
export async function installedProject(name: string, files: Record<string, string>): Promise<{ dir: string; tarball: string }> {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const tarball = await pack(dir);
  const project = {
    name,
    private: true,
    dependencies: { "pulumi-astro-invites": `file:${tarball}`, "@pulumi/pulumi": lockedVersion("@pulumi/pulumi") },
    devDependencies: {
      typescript: lockedVersion("typescript"),
      "ts-node": lockedVersion("ts-node"),
      "@types/node": lockedVersion("@types/node"),
    },
  };
  writeFileSync(join(dir, "package.json"), JSON.stringify(project, null, 2));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: "ES2022",
        module: "commonjs",
        moduleResolution: "node10",
        esModuleInterop: true,
        skipLibCheck: true,
      },
      files: ["index.ts"],
    }),
  );
  writeFileSync(join(dir, "Pulumi.yaml"), `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n`);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  await run("npm", ["install", "--no-audit", "--no-fund"], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
  return { dir, tarball };
}

/**
 * A project in another language (YAML, Python, Go) as the README sets one up: `npm install
 * pulumi-astro-invites @pulumi/pulumi` beside Pulumi.yaml (here from the tarball), and the plugin
 * directory under `packages:`.
 */
export async function installedPluginProject(name: string): Promise<{ dir: string; plugin: string }> {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const tarball = await pack(dir);
  await run("npm", ["install", "--no-audit", "--no-fund", tarball, `@pulumi/pulumi@${lockedVersion("@pulumi/pulumi")}`], {
    cwd: dir,
    maxBuffer: 16 * 1024 * 1024,
  });
  return { dir, plugin: "./node_modules/pulumi-astro-invites/provider/plugin" };
}

/** `npm pack` of this repository into `dir`: the tarball's path. */
async function pack(dir: string): Promise<string> {
  const packed = await run("npm", ["pack", "--json", "--pack-destination", dir], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  const [{ filename }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as { filename: string }[];
  return join(dir, filename);
}
