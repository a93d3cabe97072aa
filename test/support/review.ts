import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../../scripts/lib/workspace";

/** `astro-invites review ARGS` of the built package, reading `preview` (a preview's JSON) on standard input. */
export const review = (preview: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(REPO_ROOT, "dist/provider/cli/astro-invites.js"), "review", ...args], {
    input: preview,
    encoding: "utf8",
  });
