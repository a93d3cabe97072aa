import { readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ASTRO_RATE_LIMITS, PacedMethod } from "../provider/api/pacing";
import { Emulator, startEmulator } from "../provider/emulator/server";
import { installedProject } from "./lib/installed-project";
import { writeTeamFile } from "./lib/team-file";
import { PulumiWorkspace, TEAM_PROGRAM } from "./lib/workspace";

/**
 * `npm run bench -- --invites N --latency MS`: a team of N people through the real CLI against the
 * emulator (Astro's rate limits enforced, MS of latency per request), in a project that installed the
 * packed package the way users do. The same phases then run on N trivial dynamic resources whose
 * provider does no I/O (same CLI, same state backend): the engine floor. Each phase reports:
 * - engineSeconds: the trivial stack's wall time for the phase (Pulumi's own cost);
 * - apiFloorSeconds: Astro's rate limits for the requests the phase must make (its writes, one GET by
 *   id before each roles POST, and, when it looks anyone up, one walk of the users list);
 * - wallOverFloor = wall / max(engine, API floor): the least the phase could take if Pulumi's work and
 *   the API's limits overlapped perfectly;
 * - peakRssMB: the provider process's peak resident memory.
 * One JSON line per phase on stdout, then a markdown table for the README; progress on stderr.
 */
const { values } = parseArgs({ options: { invites: { type: "string", default: "200" }, latency: { type: "string", default: "50" } } });
const invites = Number(values.invites);
const latencyMs = Number(values.latency);

/** A provider that does no I/O, installed as a package so that its state holds one require, like ours. */
const TRIVIAL_PROVIDER = `module.exports = {
  async check(_olds, news) { return { inputs: news }; },
  async diff(_id, olds, news) { return { changes: olds.role !== news.role }; },
  async create(inputs) { return { id: inputs.email, outs: { ...inputs, status: "PENDING" } }; },
  async read(id, props) { return { id, props, inputs: { email: props.email, role: props.role } }; },
  async update(_id, olds, news) { return { outs: { ...news, status: olds.status } }; },
  async delete() {},
};
`;
const TRIVIAL_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
const provider: pulumi.dynamic.ResourceProvider = require("bench-trivial-provider");
class Trivial extends pulumi.dynamic.Resource {}
const team = new pulumi.ComponentResource("bench:index:Team", "team", {});
for (const line of readFileSync(new pulumi.Config().require("file"), "utf8").split("\\n")) {
  const [email, role] = line.trim().split(/\\s+/);
  if (!email || email.startsWith("#")) continue;
  new Trivial(provider, \`team-\${email}\`, { email, role, status: undefined }, { parent: team }, "bench", "Trivial");
}
`;

interface Phase {
  name: string;
  args: string[];
  /** Done before the phase, in both stacks (the emulator's part only in the real one). */
  before?: (file: string, emulator?: Emulator) => void;
}

const PHASES: Phase[] = [
  { name: "preview", args: ["preview"] },
  { name: "up", args: ["up", "--yes", "--skip-preview"] },
  { name: "preview-after-up", args: ["preview"] },
  {
    name: "refresh",
    args: ["refresh", "--yes", "--skip-preview"],
    before: (_file, emulator) => {
      // Half the invitees accept, so that the refresh has something to report.
      emulator?.state
        .snapshot()
        .organizations[0].invites.filter((_, i) => i % 2 === 0)
        .forEach((invite) => emulator.state.acceptInvite(invite.inviteId));
    },
  },
  {
    name: "up-role-change-10pct",
    args: ["up", "--yes", "--skip-preview"],
    before: (file) => writeTeamFile(file, invites, { roleChangeEvery: 10 }),
  },
  { name: "destroy", args: ["destroy", "--yes", "--skip-preview"] },
];

interface Run {
  wallSeconds: number;
  code: number;
  output: string;
  peakRssMB: number;
}

async function runPhase(stack: PulumiWorkspace, dir: string, args: string[]): Promise<Run> {
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, providerPeakRssKb(dir))), 200);
  const started = Date.now();
  const { code, output } = await stack.run(args, { allowFailure: true });
  const wallSeconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  return { wallSeconds, code, output, peakRssMB: Math.round(peak / 102.4) / 10 };
}

/** The largest VmHWM (peak RSS) among dynamic-provider processes running in `dir`, in KB. */
function providerPeakRssKb(dir: string): number {
  let peak = 0;
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("dynamic-provider") || readlinkSync(`/proc/${pid}/cwd`) !== dir) continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (hwm) peak = Math.max(peak, Number(hwm[1]));
    } catch {
      // The process ended between listing and reading.
    }
  }
  return peak;
}

/** What Astro's limits allow at best for the requests this phase must make. */
function apiFloorSeconds(entries: Emulator["log"], organizationSize: number): number {
  const count = (method: string, operation?: string) =>
    entries.filter((e) => e.method === method && (!operation || e.operation === operation) && e.status !== 429).length;
  const rolesPosts = count("POST", "updateRoles");
  const looksUp = entries.some((e) => e.operation === "listUsers" || e.operation === "getUser");
  const must: Record<PacedMethod, number> = {
    POST: count("POST"),
    DELETE: count("DELETE"),
    GET: rolesPosts + (looksUp ? Math.max(1, Math.ceil(organizationSize / 1000)) : 0),
  };
  return Math.max(0, ...Object.entries(must).map(([method, n]) => n / ASTRO_RATE_LIMITS[method as PacedMethod]));
}

const round = (value: number) => Math.round(value * 100) / 100;

async function main(): Promise<void> {
  const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
  say(
    `${invites} invites, ${latencyMs} ms latency, rate limits POST ${ASTRO_RATE_LIMITS.POST}/s DELETE ${ASTRO_RATE_LIMITS.DELETE}/s GET ${ASTRO_RATE_LIMITS.GET}/s`,
  );
  say("packing the package and installing it in two fresh projects (the team, and the trivial engine floor)");
  const real = await installedProject("astro-invites-bench", { "index.ts": readFileSync(join(TEAM_PROGRAM, "index.ts"), "utf8") });
  const trivial = await installedProject(
    "astro-invites-bench-floor",
    { "index.ts": TRIVIAL_PROGRAM },
    { "bench-trivial-provider": TRIVIAL_PROVIDER },
  );
  const emulator = await startEmulator({ latencyMs });
  const realStack = new PulumiWorkspace(real.dir, "bench", { inPlace: true });
  const floorStack = new PulumiWorkspace(trivial.dir, "bench", { inPlace: true });
  const reports: Record<string, unknown>[] = [];
  try {
    const realFile = join(real.dir, "team.txt");
    const floorFile = join(trivial.dir, "team.txt");
    writeTeamFile(realFile, invites);
    writeTeamFile(floorFile, invites);
    await realStack.init(
      { "astro:organizationId": emulator.organizationId, "astro:apiUrl": emulator.apiUrl, file: realFile },
      { "astro:apiToken": emulator.token },
    );
    await floorStack.init({ file: floorFile });
    for (const phase of PHASES) {
      phase.before?.(floorFile);
      say(`${phase.name}: engine floor (trivial resources)`);
      const floor = await runPhase(floorStack, trivial.dir, phase.args);
      if (floor.code !== 0) throw new Error(`the engine-floor stack failed in ${phase.name}:\n${floor.output}`);
      phase.before?.(realFile, emulator);
      const organizationSize = emulator.organization().users.length;
      say(`${phase.name}: pulumi-astro-invites`);
      const first = emulator.log.length;
      const run = await runPhase(realStack, real.dir, phase.args);
      const entries = emulator.log.slice(first);
      const byOperation: Record<string, number> = {};
      for (const e of entries) byOperation[e.operation ?? e.method] = (byOperation[e.operation ?? e.method] ?? 0) + 1;
      const apiSeconds = entries.length
        ? (Math.max(...entries.map((e) => Date.parse(e.at) + e.durationMs)) - Date.parse(entries[0].at)) / 1000
        : 0;
      const apiFloor = apiFloorSeconds(entries, organizationSize);
      const report = {
        phase: phase.name,
        invites,
        wallSeconds: round(run.wallSeconds),
        engineSeconds: round(floor.wallSeconds),
        apiFloorSeconds: round(apiFloor),
        wallOverFloor: round(run.wallSeconds / Math.max(floor.wallSeconds, apiFloor)),
        apiSeconds: round(apiSeconds),
        requests: byOperation,
        throttled: entries.filter((e) => e.status === 429).length,
        retries: entries.filter((e) => e.status === 429 || e.status >= 500 || e.status === 0).length,
        failures: run.code === 0 ? 0 : Number(/(\d+) errored/.exec(run.output)?.[1] ?? 1),
        peakRssMB: run.peakRssMB,
        enginePeakRssMB: floor.peakRssMB,
      };
      console.log(JSON.stringify(report));
      reports.push(report);
    }
  } finally {
    realStack.dispose();
    floorStack.dispose();
    await emulator.stop();
    rmSync(real.dir, { recursive: true, force: true });
    rmSync(trivial.dir, { recursive: true, force: true });
  }
  printTable(reports);
}

function printTable(reports: Record<string, unknown>[]): void {
  const cpu = cpus()[0]?.model.replace(/\s+/g, " ").trim() ?? "unknown CPU";
  console.log(
    `\n${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${latencyMs} ms latency\n`,
  );
  console.log(
    "| N | phase | requests | 429s | failures | engine s | API floor s | wall s | wall / max(engine, API floor) | provider peak RSS MB |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const r of reports) {
    const requests =
      Object.entries(r.requests as Record<string, number>)
        .map(([op, n]) => `${op} ${n}`)
        .join(", ") || "none";
    console.log(
      `| ${r.invites} | ${r.phase} | ${requests} | ${r.throttled} | ${r.failures} | ${r.engineSeconds} | ${r.apiFloorSeconds} | ${r.wallSeconds} | ${r.wallOverFloor} | ${r.peakRssMB} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
