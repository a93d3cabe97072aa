import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startEmulator } from "../../provider/emulator/server";
import { installedProject } from "./installed-project";
import { writeTeamFile } from "./team-file";
import { PulumiWorkspace, TEAM_PROGRAM } from "./workspace";

export interface TeamsBenchOptions {
  people: number;
  teams: number;
  latencyMs: number;
  say: (line: string) => void;
}

/** People per Team. */
const TEAM_SIZE = 20;

/**
 * `npm run bench -- --teams K`: a stack of `people` invites and K Astro Teams of 20 of them, through the
 * real CLI against the emulator (Astro's limits, `latencyMs` per request): `up`, then `refresh` after
 * everyone accepted. It reports each phase's requests by operation and wall time: a refresh must cost one
 * Teams list, one members list per Team and the users walks, never a read per member or per Team.
 */
export async function benchTeams(options: TeamsBenchOptions): Promise<Record<string, unknown>[]> {
  const { people, teams, latencyMs, say } = options;
  say(`packing the package and installing it in a fresh project: ${people} people, ${teams} Teams of ${TEAM_SIZE}`);
  const project = await installedProject("astro-invites-bench-teams", { "index.ts": readFileSync(join(TEAM_PROGRAM, "index.ts"), "utf8") });
  const emulator = await startEmulator({ latencyMs });
  // Members join Teams at once, so that the refresh reads full Teams.
  emulator.state.switches.pendingTeamMembers = "accept";
  const stack = new PulumiWorkspace(project.dir, "bench", { inPlace: true });
  const reports: Record<string, unknown>[] = [];
  try {
    const file = join(project.dir, "members.txt");
    const emails = writeTeamFile(file, people);
    const astroTeams = Object.fromEntries(
      Array.from({ length: teams }, (_, t) => [
        `team-${t}`,
        Array.from({ length: Math.min(TEAM_SIZE, people) }, (_, k) => emails[(t * TEAM_SIZE + k) % people]),
      ]),
    );
    await stack.init(
      { "astro:organizationId": emulator.organizationId, "astro:apiUrl": emulator.apiUrl, file, astroTeams: JSON.stringify(astroTeams) },
      { "astro:apiToken": emulator.token },
    );
    for (const phase of [
      { name: "up", args: ["up", "--yes", "--skip-preview"] },
      {
        name: "refresh",
        args: ["refresh", "--yes", "--skip-preview"],
        before: () => emails.forEach((email) => emulator.state.acceptInviteOf(emulator.organizationId, email)),
      },
    ]) {
      phase.before?.();
      say(`${phase.name}`);
      const first = emulator.log.length;
      const started = Date.now();
      await stack.run(phase.args);
      const wallSeconds = (Date.now() - started) / 1000;
      const requests: Record<string, number> = {};
      for (const entry of emulator.log.slice(first))
        requests[entry.operation ?? entry.method] = (requests[entry.operation ?? entry.method] ?? 0) + 1;
      const report = {
        phase: phase.name,
        people,
        teams,
        teamSize: TEAM_SIZE,
        latencyMs,
        wallSeconds: Math.round(wallSeconds * 100) / 100,
        requests,
      };
      console.log(JSON.stringify(report));
      reports.push(report);
    }
  } finally {
    stack.dispose();
    await emulator.stop();
    rmSync(project.dir, { recursive: true, force: true });
  }
  return reports;
}
