import { readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ModuleKind, ScriptTarget, transpileModule } from "typescript";
import { ASTRO_RATE_LIMITS, PacedMethod } from "../provider/api/pacing";
import { UsersPageSchema } from "../provider/api/schemas";
import { Emulator, startEmulator } from "../provider/emulator/server";
import { benchAudit } from "./lib/audit-bench";
import { benchTeams } from "./lib/teams-bench";
import { installedProject } from "./lib/installed-project";
import { writeTeamFile } from "./lib/team-file";
import { FloorFiles, FloorWorld } from "./lib/floor";
import {
  RecordedState,
  requireFloorNotSlower,
  requireSameFields,
  requireSamePlan,
  shownSteps,
  StepCounts,
  stepCounts,
} from "./lib/plan-check";
import { PulumiWorkspace, REPO_ROOT, TEAM_PROGRAM } from "./lib/workspace";

/**
 * `npm run bench -- --invites N --latency MS [--workspaces K] [--deployments D]`: a team of N people (each
 * with a workspace role in K workspaces, and with D: DEPLOYMENT_ADMIN on D Deployments of a workspace
 * nobody declares, where Astro adds WORKSPACE_ACCESSOR, and DAG_VIEWER on a DAG tag of the first) through
 * the real CLI against the
 * emulator (Astro's rate limits enforced, MS of latency per request), in a project that installed the
 * packed package the way users do. The same phases first run on the engine floor: the same program and
 * package in a second project, whose lifecycle answers every step from the declaration alone
 * (lib/floor.ts). After each phase the bench proves the floor is the same plan (lib/plan-check.ts): the
 * same step counts in the engine's summary, the same fields recorded per resource, and a floor no slower
 * than the product beyond noise; otherwise it stops, naming the phase. Each phase reports:
 * - engineSeconds: the trivial stack's wall time for the phase (Pulumi's own cost);
 * - apiFloorSeconds: Astro's rate limits for the requests the phase must make (its writes, one GET by
 *   id before each roles POST, and, when it looks anyone up, one walk of the users list and one per
 *   workspace or Deployment whose users it lists);
 * - wallOverFloor = wall / max(engine, API floor): the least the phase could take if Pulumi's work and
 *   the API's limits overlapped perfectly;
 * - beforeFirstRequestSeconds, apiSeconds, afterLastAnswerSeconds: where the wall time went;
 * - engineFirstStepSeconds: when the floor's first create, read, update or delete began. A phase's
 *   requests cannot start before the step that makes them, so wallOverStepFloor = wall / max(engine,
 *   first step + API floor) compares with what is reachable when the API work cannot overlap start-up;
 * - peakRssMB: the provider process's peak resident memory.
 * refresh, a phase of seconds whose floor alone varies by more than the gap measured, runs three times
 * (floor, then product, each time) and reports its median run, with every run's ratio.
 * One JSON line per phase on stdout, then a markdown table for the README; progress on stderr.
 * `npm run bench -- --audit [--invites N] [--workspaces K] [--teams T]` benches `astro-invites audit`
 * instead (lib/audit-bench.ts): 1000 people, 20 workspaces and 50 Teams unless told.
 * `npm run bench -- --teams K [--invites N]` benches a stack with K Astro Teams of 20 (lib/teams-bench.ts):
 * up, and a refresh after everyone accepted, with the requests of each.
 */
const { values } = parseArgs({
  options: {
    invites: { type: "string", default: "200" },
    latency: { type: "string", default: "50" },
    workspaces: { type: "string" },
    deployments: { type: "string", default: "0" },
    audit: { type: "boolean", default: false },
    teams: { type: "string", default: "50" },
  },
});
const invites = Number(values.invites);
const latencyMs = Number(values.latency);
/** With --workspaces K, everyone also holds WORKSPACE_MEMBER in K workspaces (given at invite: the emulator's switch). */
const workspaceCount = Number(values.workspaces ?? "0");
/** The bench's workspace ids, fixed so that both stacks' team files name the same ones. */
const WORKSPACES = Array.from({ length: workspaceCount }, (_, i) => `cbenchworkspace${String(i).padStart(10, "0")}`);
/** With --deployments D, everyone also holds DEPLOYMENT_ADMIN on D Deployments and a DAG role (granted at invite too). */
const DEPLOYMENTS = Array.from({ length: Number(values.deployments) }, (_, i) => `cbenchdeployment${String(i).padStart(9, "0")}`);
/** The workspace of the Deployments: one nobody declares, so Astro adds WORKSPACE_ACCESSOR there. */
const DEPLOYMENT_WORKSPACE = "cbenchdeployspace000000000";
const SCOPED = { workspaces: WORKSPACES, deployments: DEPLOYMENTS };

/**
 * Installs the engine floor (lib/floor.ts) into an installed project: its lifecycle becomes the floor,
 * transpiled beside the package's own modules, which it is handed. The first step of each command writes
 * its time to `files.stepLog`.
 */
function installFloor(dir: string, files: FloorFiles): void {
  const invite = join(dir, "node_modules/pulumi-astro-invites/dist/provider/invite");
  renameSync(join(invite, "lifecycle.js"), join(invite, "lifecycle.with-api.js"));
  const floor = transpileModule(readFileSync(join(REPO_ROOT, "scripts/lib/floor.ts"), "utf8"), {
    compilerOptions: { module: ModuleKind.CommonJS, target: ScriptTarget.ES2022 },
  });
  writeFileSync(join(invite, "floor.js"), floor.outputText);
  const modules = `{ lifecycle: require("./lifecycle.with-api.js"), schema: require("./schema.js"), plan: require("./plan.js") }`;
  writeFileSync(
    join(invite, "lifecycle.js"),
    `module.exports = require("./floor.js").floorLifecycle(${modules}, ${JSON.stringify(files)});\n`,
  );
}

interface Phase {
  name: string;
  args: string[];
  /** The program's change before the phase, made to both stacks' team files. */
  edit?: (file: string) => void;
  /** What happens in Astro before the phase, outside the stacks: done in the emulator, and told to the floor. */
  outside?: (emulator: Emulator) => FloorWorld;
  /**
   * Runs of the phase, each the floor then the product; the median one (by wall over step floor) is
   * reported, with every run's ratio. For a phase of a few seconds, whose floor alone varies by more
   * than the gap measured.
   */
  rounds?: number;
}

const PHASES: Phase[] = [
  { name: "preview", args: ["preview"] },
  { name: "up", args: ["up", "--yes", "--skip-preview"] },
  { name: "preview-after-up", args: ["preview"] },
  {
    name: "refresh",
    args: ["refresh", "--yes", "--skip-preview"],
    rounds: 3,
    outside: (emulator) => {
      // Half the invitees accept, so that the refresh has something to report.
      const accepting = emulator.state.snapshot().organizations[0].invites.filter((_, i) => i % 2 === 0);
      accepting.forEach((invite) => emulator.state.acceptInvite(invite.inviteId));
      return { accepted: accepting.map((invite) => invite.email) };
    },
  },
  {
    name: "up-role-change-10pct",
    args: ["up", "--yes", "--skip-preview"],
    edit: (file) => writeTeamFile(file, invites, { roleChangeEvery: 10, ...SCOPED }),
  },
  { name: "destroy", args: ["destroy", "--yes", "--skip-preview"] },
];

interface Run {
  startedAt: number;
  endedAt: number;
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
  const endedAt = Date.now();
  clearInterval(sampler);
  return { startedAt: started, endedAt, wallSeconds: (endedAt - started) / 1000, code, output, peakRssMB: Math.round(peak / 102.4) / 10 };
}

/** What a stack recorded, by resource (its type and name: the projects' names differ), the stack itself left out. */
async function recorded(stack: PulumiWorkspace): Promise<RecordedState> {
  const { state } = await stack.exportState();
  return Object.fromEntries(
    (state.resources ?? []).filter((r) => !r.type.startsWith("pulumi:")).map((r) => [`${r.type}::${r.urn.split("::").pop()}`, r.outputs]),
  );
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
    // A roles POST needs its user read by id (and, for roles below the organization, their Teams); the
    // organization's workspaces and Deployments, once each when read; a lookup, one walk of the users list,
    // and one more per workspace or Deployment whose users it lists.
    GET:
      rolesPosts +
      count("GET", "getUserTeams") +
      count("GET", "listWorkspaces") +
      count("GET", "listDeployments") +
      (looksUp ? Math.max(1, Math.ceil(organizationSize / 1000)) * (1 + scopesListed(entries)) : 0),
  };
  return Math.max(0, ...Object.entries(must).map(([method, n]) => n / ASTRO_RATE_LIMITS[method as PacedMethod]));
}

const scopesListed = (entries: Emulator["log"]) =>
  new Set(entries.map((e) => /(?:workspaceId|deploymentId)=([^&]+)/.exec(e.path)?.[0]).filter(Boolean)).size;

const round = (value: number) => Math.round(value * 100) / 100;

/** The heap a page of 1000 users holds once read through the client's schema: what a shared walk keeps. */
function heldByAPageOf1000Users(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const at = new Date().toISOString();
  const users = Array.from({ length: 1000 }, (_, i) => ({
    ...{
      id: `cuser${String(i).padStart(20, "0")}`,
      username: `member${String(i).padStart(4, "0")}@example.com`,
      fullName: "",
      avatarUrl: "",
    },
    ...{
      status: "ACTIVE",
      organizationRole: "ORGANIZATION_MEMBER",
      workspaceRoles: [],
      deploymentRoles: [],
      dagRoles: [],
      createdAt: at,
      updatedAt: at,
    },
  }));
  const body = JSON.stringify({ limit: 1000, offset: 0, totalCount: 1000, users });
  gc();
  const before = process.memoryUsage().heapUsed;
  const page = UsersPageSchema.parse(JSON.parse(body));
  gc();
  const held = process.memoryUsage().heapUsed - before;
  return page.users.length === 1000 ? round(held / 2 ** 20) : NaN;
}

async function main(): Promise<void> {
  const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
  say(
    `${invites} invites, ${workspaceCount} workspace roles and ${DEPLOYMENTS.length} Deployment roles each, ${latencyMs} ms latency, rate limits POST ${ASTRO_RATE_LIMITS.POST}/s DELETE ${ASTRO_RATE_LIMITS.DELETE}/s GET ${ASTRO_RATE_LIMITS.GET}/s`,
  );
  say("packing the package and installing it in two fresh projects (the team, and the same team without API calls)");
  const real = await installedProject("astro-invites-bench", { "index.ts": readFileSync(join(TEAM_PROGRAM, "index.ts"), "utf8") });
  const trivial = await installedProject("astro-invites-bench-floor", { "index.ts": readFileSync(join(TEAM_PROGRAM, "index.ts"), "utf8") });
  const stepLog = join(trivial.dir, "first-steps.log");
  const worldFile = join(trivial.dir, "world.json");
  installFloor(trivial.dir, {
    stepLog,
    worldFile,
    deploymentWorkspaces: Object.fromEntries(DEPLOYMENTS.map((id) => [id, DEPLOYMENT_WORKSPACE])),
  });
  const emulator = await startEmulator({ latencyMs });
  for (const id of WORKSPACES) emulator.state.createWorkspace(emulator.organizationId, `bench ${id}`, id);
  if (DEPLOYMENTS.length) emulator.state.createWorkspace(emulator.organizationId, "bench Deployments", DEPLOYMENT_WORKSPACE);
  for (const id of DEPLOYMENTS) emulator.state.createDeployment(emulator.organizationId, DEPLOYMENT_WORKSPACE, `bench ${id}`, id);
  emulator.state.switches.workspaceRolesForPending = "accept";
  const realStack = new PulumiWorkspace(real.dir, "bench", { inPlace: true });
  const floorStack = new PulumiWorkspace(trivial.dir, "bench", { inPlace: true });
  const reports: Record<string, unknown>[] = [];
  try {
    const realFile = join(real.dir, "team.txt");
    const floorFile = join(trivial.dir, "team.txt");
    writeTeamFile(realFile, invites, SCOPED);
    writeTeamFile(floorFile, invites, SCOPED);
    await realStack.init(
      { "astro:organizationId": emulator.organizationId, "astro:apiUrl": emulator.apiUrl, file: realFile },
      { "astro:apiToken": emulator.token },
    );
    // The same config: check validates it; nothing is ever sent.
    await floorStack.init(
      { "astro:organizationId": emulator.organizationId, "astro:apiUrl": emulator.apiUrl, file: floorFile },
      { "astro:apiToken": "no-api-calls" },
    );
    /** One run of a phase: the floor, then the product, the plan checked, the figures. */
    const measure = async (phase: Phase, attempt: number): Promise<Record<string, unknown>> => {
      say(`${phase.name}${attempt > 1 ? ` (run ${attempt})` : ""}: engine floor (no API calls)`);
      writeFileSync(stepLog, "");
      const floor = await runPhase(floorStack, trivial.dir, phase.args);
      if (floor.code !== 0) throw new Error(`the engine-floor stack failed in ${phase.name}:\n${floor.output}`);
      const firstSteps = readFileSync(stepLog, "utf8").split("\n").filter(Boolean).map(Number);
      const engineFirstStep = firstSteps.length ? (Math.min(...firstSteps) - floor.startedAt) / 1000 : undefined;
      const organizationSize = emulator.organization().users.length;
      say(`${phase.name}: pulumi-astro-invites`);
      const first = emulator.log.length;
      const run = await runPhase(realStack, real.dir, phase.args);
      const entries = emulator.log.slice(first);
      if (run.code !== 0) throw new Error(`pulumi-astro-invites failed in ${phase.name}:\n${run.output}`);
      say(`${phase.name}: checking that the floor made the same plan`);
      requireSamePlan(phase.name, stepCounts(floor.output), stepCounts(run.output));
      requireSameFields(phase.name, await recorded(floorStack), await recorded(realStack));
      requireFloorNotSlower(phase.name, floor.wallSeconds, run.wallSeconds);
      const byOperation: Record<string, number> = {};
      for (const e of entries) byOperation[e.operation ?? e.method] = (byOperation[e.operation ?? e.method] ?? 0) + 1;
      const firstAt = entries.length ? Date.parse(entries[0].at) : run.endedAt;
      const lastAnsweredAt = entries.length ? Math.max(...entries.map((e) => Date.parse(e.at) + e.durationMs)) : run.endedAt;
      const apiFloor = apiFloorSeconds(entries, organizationSize);
      return {
        phase: phase.name,
        invites,
        wallSeconds: round(run.wallSeconds),
        engineSeconds: round(floor.wallSeconds),
        apiFloorSeconds: round(apiFloor),
        wallOverFloor: round(run.wallSeconds / Math.max(floor.wallSeconds, apiFloor)),
        // No request can precede the step that makes it: the floor's first step, then the API floor.
        engineFirstStepSeconds: engineFirstStep === undefined ? null : round(engineFirstStep),
        wallOverStepFloor: round(run.wallSeconds / Math.max(floor.wallSeconds, (engineFirstStep ?? 0) + apiFloor)),
        // Where the wall time went: Pulumi before the phase's first request, the API work, Pulumi after it.
        beforeFirstRequestSeconds: round((firstAt - run.startedAt) / 1000),
        apiSeconds: round((lastAnsweredAt - firstAt) / 1000),
        afterLastAnswerSeconds: round((run.endedAt - lastAnsweredAt) / 1000),
        requests: byOperation,
        throttled: entries.filter((e) => e.status === 429).length,
        retries: entries.filter((e) => e.status === 429 || e.status >= 500 || e.status === 0).length,
        steps: stepCounts(run.output),
        peakRssMB: run.peakRssMB,
        enginePeakRssMB: floor.peakRssMB,
      };
    };
    for (const phase of PHASES) {
      phase.edit?.(realFile);
      phase.edit?.(floorFile);
      if (phase.outside) writeFileSync(worldFile, JSON.stringify(phase.outside(emulator)));
      const runs: Record<string, unknown>[] = [];
      for (let attempt = 1; attempt <= (phase.rounds ?? 1); attempt++) runs.push(await measure(phase, attempt));
      const sorted = [...runs].sort((a, b) => (a.wallOverStepFloor as number) - (b.wallOverStepFloor as number));
      const report = {
        ...sorted[Math.floor(sorted.length / 2)],
        ...(runs.length > 1 ? { rounds: runs.map((r) => r.wallOverStepFloor) } : {}),
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
  const listHeldMB = heldByAPageOf1000Users();
  console.log(JSON.stringify({ listOf1000UsersHeldMB: listHeldMB }));
  printTable(reports, listHeldMB);
}

function printTable(reports: Record<string, unknown>[], listHeldMB: number): void {
  const cpu = cpus()[0]?.model.replace(/\s+/g, " ").trim() ?? "unknown CPU";
  console.log(
    `\n${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${latencyMs} ms latency\n`,
  );
  console.log(
    "| N | phase | steps (both stacks) | requests | 429s | engine s | API floor s | wall s | wall / max(engine, API floor) | floor's first step s | wall / max(engine, first step + API floor) | provider peak RSS MB (engine floor's) |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of reports) {
    const requests =
      Object.entries(r.requests as Record<string, number>)
        .map(([op, n]) => `${op} ${n}`)
        .join(", ") || "none";
    console.log(
      `| ${r.invites} | ${r.phase} | ${shownSteps(r.steps as StepCounts)} | ${requests} | ${r.throttled} | ${r.engineSeconds} | ${r.apiFloorSeconds} | ${r.wallSeconds} | ${r.wallOverFloor} | ${r.engineFirstStepSeconds ?? "-"} | ${r.wallOverStepFloor}${r.rounds ? ` (median of ${(r.rounds as number[]).join(", ")})` : ""} | ${r.peakRssMB} (${r.enginePeakRssMB}) |`,
    );
  }
  console.log(`\nA page of 1000 users, read through the client's schema, holds ${listHeldMB} MB of heap.`);
}

/** `--audit`: the audit of an organization (1000 people, 20 workspaces, 50 Teams unless told) instead of the stack's phases. */
async function mainAudit(): Promise<void> {
  const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const people = process.argv.includes("--invites") ? invites : 1000;
  const report = await benchAudit({ people, workspaces: Number(values.workspaces ?? "20"), teams: Number(values.teams), latencyMs, say });
  console.log(JSON.stringify(report));
  const cpu = cpus()[0]?.model.replace(/\s+/g, " ").trim() ?? "unknown CPU";
  console.log(`\n${cpus().length} × ${cpu}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${latencyMs} ms latency\n`);
  console.log("| people | workspaces | Teams | findings | requests | list floor requests | 429s | wall s | list floor s | wall / floor |");
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  const a = report.audit as { people: number; workspaces: number; teams: number };
  const requests = Object.entries(report.requests as Record<string, number>)
    .map(([op, n]) => `${op} ${n}`)
    .join(", ");
  console.log(
    `| ${a.people} | ${a.workspaces} | ${a.teams} | ${report.findings} | ${requests} | ${report.floorRequests} | ${report.throttled} | ${report.wallSeconds} | ${report.listFloorSeconds} | ${report.wallOverFloor} |`,
  );
}

/** `--teams K`: a stack with K Astro Teams of 20 (of --invites people, 200 unless told): up and refresh, requests per phase. */
async function mainTeams(): Promise<void> {
  const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const reports = await benchTeams({ people: invites, teams: Number(values.teams), latencyMs, say });
  const cpu = cpus()[0]?.model.replace(/\s+/g, " ").trim() ?? "unknown CPU";
  console.log(`\n${cpus().length} × ${cpu}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${latencyMs} ms latency\n`);
  console.log("| people | Teams of 20 | phase | requests | wall s |");
  console.log("|---|---|---|---|---|");
  for (const r of reports) {
    const requests = Object.entries(r.requests as Record<string, number>)
      .map(([op, n]) => `${op} ${n}`)
      .join(", ");
    console.log(`| ${r.people} | ${r.teams} | ${r.phase} | ${requests} | ${r.wallSeconds} |`);
  }
}

const teamsMode = process.argv.includes("--teams") && !values.audit;
(values.audit ? mainAudit() : teamsMode ? mainTeams() : main()).catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
