import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ASTRO_RATE_LIMITS, PacedMethod } from "../../provider/api/pacing";
import { Emulator, startEmulator } from "../../provider/emulator/server";
import { installedProject } from "./installed-project";
import { writeTeamFile } from "./team-file";
import { PulumiWorkspace, REPO_ROOT } from "./workspace";

/**
 * `npm run bench -- --invites N --latency MS`: a team of N people through the real CLI against the
 * emulator with Astro's rate limits enforced and a per-request latency, in a project that installed the
 * packed package the way users do (so the state is what theirs would be). One JSON line per phase on stdout
 * (progress on stderr), each with its rate-limit floor: the least time Astro's limits allow for the
 * requests the phase needed, so wall/floor shows how close to the API's own limit the package runs.
 */
interface PhaseReport {
  phase: string;
  invites: number;
  wallSeconds: number;
  /** From the phase's first API request to its last answer: the part the package's pacing governs. */
  apiSeconds: number;
  requests: Record<string, number>;
  throttled: number;
  retries: number;
  failures: number;
  floorSeconds: number;
  wallOverFloor: number | null;
  apiOverFloor: number | null;
}

const { values } = parseArgs({ options: { invites: { type: "string", default: "200" }, latency: { type: "string", default: "50" } } });
const invites = Number(values.invites);
const latencyMs = Number(values.latency);

async function phase(name: string, emulator: Emulator, action: () => Promise<{ code: number; output: string } | void>): Promise<PhaseReport> {
  process.stderr.write(`bench: ${name}...\n`);
  const first = emulator.log.length;
  const started = Date.now();
  const result = await action();
  const wallSeconds = (Date.now() - started) / 1000;
  const entries = emulator.log.slice(first);
  const requests: Record<string, number> = {};
  for (const entry of entries) requests[entry.method] = (requests[entry.method] ?? 0) + 1;
  const apiSeconds = entries.length ? (Math.max(...entries.map((e) => Date.parse(e.at) + e.durationMs)) - Date.parse(entries[0].at)) / 1000 : 0;
  const floorSeconds = Math.max(0, ...Object.entries(requests).map(([method, count]) => count / ASTRO_RATE_LIMITS[method as PacedMethod]));
  const errored = result && result.code !== 0 ? Number(/(\d+) errored/.exec(result.output)?.[1] ?? 1) : 0;
  const report: PhaseReport = {
    phase: name,
    invites,
    wallSeconds: round(wallSeconds),
    apiSeconds: round(apiSeconds),
    requests,
    throttled: entries.filter((e) => e.status === 429).length,
    retries: entries.filter((e) => e.status === 429 || e.status >= 500 || e.status === 0).length,
    failures: errored,
    floorSeconds: round(floorSeconds),
    wallOverFloor: floorSeconds > 0 ? round(wallSeconds / floorSeconds) : null,
    apiOverFloor: floorSeconds > 0 ? round(apiSeconds / floorSeconds) : null,
  };
  console.log(JSON.stringify(report));
  return report;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

async function main(): Promise<void> {
  process.stderr.write(`bench: ${invites} invites, ${latencyMs} ms latency, rate limits POST ${ASTRO_RATE_LIMITS.POST}/s DELETE ${ASTRO_RATE_LIMITS.DELETE}/s GET ${ASTRO_RATE_LIMITS.GET}/s\n`);
  process.stderr.write("bench: packing the package and installing it in a fresh project\n");
  const program = readFileSync(join(REPO_ROOT, "test/cli/team-fixture/index.ts"), "utf8");
  const { dir } = await installedProject("astro-invites-bench", { "index.ts": program });
  const emulator = await startEmulator({ latencyMs });
  const stack = new PulumiWorkspace(dir, "bench", { inPlace: true });
  try {
    const file = join(dir, "team.txt");
    writeTeamFile(file, invites);
    await stack.init({ "astro:organizationId": emulator.organizationId, "astro:apiUrl": emulator.apiUrl, file }, { "astro:apiToken": emulator.token });
    const cli = (args: string[]) => () => stack.run(args, { allowFailure: true });

    await phase("preview", emulator, cli(["preview"]));
    await phase("up", emulator, cli(["up", "--yes", "--skip-preview"]));
    await phase("preview-after-up", emulator, cli(["preview"]));
    await phase("accept-half", emulator, async () => {
      const { invites: sent } = emulator.state.snapshot().organizations[0];
      sent.filter((_, i) => i % 2 === 0).forEach((invite) => emulator.state.acceptInvite(invite.inviteId));
    });
    await phase("refresh", emulator, cli(["refresh", "--yes", "--skip-preview"]));
    writeTeamFile(file, invites, { roleChangeEvery: 10 });
    await phase("up-role-change-10pct", emulator, cli(["up", "--yes", "--skip-preview"]));
    await phase("destroy", emulator, cli(["destroy", "--yes", "--skip-preview"]));
  } finally {
    stack.dispose();
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
