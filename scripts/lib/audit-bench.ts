import { AstroClient, LIST_PAGE_SIZE } from "../../provider/api/client";
import { ASTRO_RATE_LIMITS } from "../../provider/api/pacing";
import { audit } from "../../provider/audit/audit";
import type { PersonDeclaration } from "../../provider/audit/declarations";
import { startEmulator } from "../../provider/emulator/server";
import { ORGANIZATION_ROLES, WORKSPACE_ROLES } from "../../provider/roles";

export interface AuditBenchOptions {
  people: number;
  workspaces: number;
  teams: number;
  latencyMs: number;
  say: (line: string) => void;
}

/** People per Team, and the share of people a stack declares (the rest are findings). */
const TEAM_SIZE = 20;
const DECLARED_SHARE = 0.9;

/**
 * `npm run bench -- --audit`: an organization of `people` (each with a role of their own in two of
 * `workspaces`), `teams` Teams of 20 with a workspace role each, 90% of the people declared by a stack;
 * the audit against the emulator (Astro's rate limits, `latencyMs` per request). It reports the requests
 * by operation and the wall time against the list floor: the fewest list requests that can read it, at
 * Astro's GET limit, and never less than the two round trips one after the other that it needs.
 */
export async function benchAudit(options: AuditBenchOptions): Promise<Record<string, unknown>> {
  const { people, workspaces, teams, latencyMs, say } = options;
  const emulator = await startEmulator({ latencyMs });
  try {
    const org = emulator.organizationId;
    say(`seeding ${people} people, ${workspaces} workspaces and ${teams} Teams of ${TEAM_SIZE}`);
    const workspaceIds = Array.from({ length: workspaces }, (_, i) => emulator.state.createWorkspace(org, `workspace ${i}`).id);
    const declarations: PersonDeclaration[] = [];
    /** Who each workspace's users list shows (own roles and Teams' grants): its pages are part of the floor. */
    const listed = new Map(workspaceIds.map((id) => [id, new Set<string>()]));
    const userIds = Array.from({ length: people }, (_, i) => {
      const email = `person${String(i).padStart(5, "0")}@example.com`;
      const role = ORGANIZATION_ROLES[i % ORGANIZATION_ROLES.length];
      const id = emulator.state.seedMember(org, email, role);
      const own = workspaceIds.length ? [workspaceIds[i % workspaces], workspaceIds[(i + 7) % workspaces]] : [];
      const roles = [...new Set(own)].map((workspaceId, k) => ({ workspaceId, role: WORKSPACE_ROLES[(i + k) % WORKSPACE_ROLES.length] }));
      emulator.state.grantDirectRoles(org, id, { workspaceRoles: roles });
      for (const entry of roles) listed.get(entry.workspaceId)!.add(id);
      if (i < people * DECLARED_SHARE) {
        const workspaceRoles = Object.fromEntries(roles.map((entry) => [entry.workspaceId, entry.role]));
        declarations.push({
          source: "bench",
          resource: `p${i}`,
          email,
          organizationId: org,
          role,
          workspaceRoles,
          deploymentRoles: {},
          dagRoles: [],
        });
      }
      return id;
    });
    for (let t = 0; t < teams; t++) {
      const members = Array.from({ length: Math.min(TEAM_SIZE, people) }, (_, k) => userIds[(t * TEAM_SIZE + k) % people]);
      const workspaceRoles = workspaceIds.length ? [{ workspaceId: workspaceIds[t % workspaces], role: "WORKSPACE_AUTHOR" }] : [];
      emulator.state.seedTeam(org, `team ${t}`, members, { workspaceRoles });
      for (const entry of workspaceRoles) for (const member of members) listed.get(entry.workspaceId)!.add(member);
    }
    say("auditing");
    emulator.log.length = 0;
    const started = Date.now();
    const report = await audit({
      client: new AstroClient({ token: emulator.token, baseUrl: emulator.apiUrl }),
      organizationId: org,
      stacks: [{ source: "bench", people: declarations, teams: [], unreadable: [] }],
      allow: [],
      now: new Date(),
      say,
    });
    const wallSeconds = (Date.now() - started) / 1000;
    const requests: Record<string, number> = {};
    for (const entry of emulator.log) requests[entry.operation ?? entry.method] = (requests[entry.operation ?? entry.method] ?? 0) + 1;
    const pages = (n: number) => Math.max(1, Math.ceil(n / LIST_PAGE_SIZE));
    const workspacePages = [...listed.values()].reduce((sum, users) => sum + pages(users.size), 0);
    // The users, the workspaces and each one's users, the Deployments (none here), the Teams and each one's members.
    const floorRequests = pages(people) + 1 + workspacePages + 1 + 1 + teams;
    const floorSeconds = Math.max(floorRequests / ASTRO_RATE_LIMITS.GET, (2 * latencyMs) / 1000);
    return {
      audit: { people, workspaces, teams, latencyMs },
      findings: report.summary.findings,
      complete: report.complete,
      requests,
      totalRequests: emulator.log.length,
      floorRequests,
      throttled: emulator.log.filter((entry) => entry.status === 429).length,
      wallSeconds: Math.round(wallSeconds * 100) / 100,
      listFloorSeconds: Math.round(floorSeconds * 100) / 100,
      wallOverFloor: Math.round((wallSeconds / floorSeconds) * 100) / 100,
    };
  } finally {
    await emulator.stop();
  }
}
