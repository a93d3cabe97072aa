import type { AstroClient } from "../api/client";
import { AstroApiError } from "../api/errors";
import type { Team } from "../api/schemas";
import { report } from "../log";
import { planTeamsRemoval, planTeamsUpdate, UNREAD } from "./plan";
import type { InviteState } from "./schema";

/**
 * The Teams a person joins by name (`teams`): the steps of the lifecycle that read and write them. What
 * each step does is the table's (plan.ts: planTeamsUpdate, planTeamsRemoval). Only the membership the
 * stack added is the stack's: the Team's own member list and roles belong to whoever declares the Team.
 */

/** Create and update: join the declared Teams, leave the ones no longer declared. Pending and refused: wait. */
export async function reconcileTeams(client: AstroClient, state: InviteState, declared: string[]): Promise<InviteState> {
  if (state.userId === "") return state;
  const settled = planTeamsUpdate(state, declared, UNREAD);
  if (settled.join.length === 0 && settled.leave.length === 0 && !state.teamsDeferred) return state;
  const named = await teamsNamed(client, state.organizationId, state.email, declared);
  const current = (await client.getUserTeams(state.organizationId, state.userId)).map((team) => team.name);
  const plan = planTeamsUpdate(state, declared, current);
  const joined = { ...state.teamsJoined };
  for (const name of plan.leave) {
    await client.removeTeamMember(state.organizationId, joined[name], state.userId);
    delete joined[name];
  }
  try {
    for (const name of plan.join) {
      await client.addTeamMembers(state.organizationId, named.get(name)!.id, [state.userId]);
      joined[name] = named.get(name)!.id;
    }
  } catch (error) {
    if (state.status !== "PENDING" || !(error instanceof AstroApiError) || error.status !== 400) throw error;
    await report(
      "info",
      `${state.email} cannot join ${plan.join.join(", ")} while their invite is pending: the first \`pulumi up\` after a refresh sees them accept adds them.`,
    );
    // Only the Teams they are in count as held, so that the declaration differs again once they accept.
    const held = declared.filter((name) => name in joined || current.includes(name));
    return { ...state, teams: held, teamsJoined: joined, teamsDeferred: true };
  }
  return { ...state, teams: declared, teamsJoined: joined, teamsDeferred: false };
}

/** Delete: take them out of the Teams the stack added them to (a Team gone, or they left it, is fine). */
export async function leaveTeams(client: AstroClient, state: InviteState): Promise<void> {
  if (state.userId === "") return;
  for (const name of planTeamsRemoval(state).leave) {
    await client.removeTeamMember(state.organizationId, state.teamsJoined[name], state.userId);
  }
}

/** Fails before anything is sent when a declared Team is not exactly one Team the API may change. */
export async function requireTeams(client: AstroClient, inputs: { organizationId: string; email: string; teams: string[] }): Promise<void> {
  if (inputs.teams.length === 0) return;
  if ((await client.getOrganization(inputs.organizationId)).isScimEnabled) {
    throw new Error(
      `Nothing was sent for ${inputs.email}: teams names ${inputs.teams.join(", ")}, but organization ${inputs.organizationId} has SCIM ` +
        "provisioning on, and Astro refuses Team membership changes while it is (its identity provider owns Teams)",
    );
  }
  await teamsNamed(client, inputs.organizationId, inputs.email, inputs.teams);
}

/** Each declared Team, by its name: exactly one Team of each, none its identity provider manages, or nothing is sent. */
async function teamsNamed(client: AstroClient, organizationId: string, email: string, names: string[]): Promise<Map<string, Team>> {
  if (names.length === 0) return new Map();
  const found = await client.listTeams(organizationId, names);
  const problems = names.flatMap((name) => {
    const matching = found.filter((team) => team.name === name);
    if (matching.length === 0) return [`no Team is named "${name}"`];
    if (matching.length > 1) return [`"${name}" names ${matching.length} Teams (${matching.map((team) => team.id).join(", ")})`];
    if (matching[0].isIdpManaged) return [`Team "${name}" is managed by the identity provider, which Astro does not let the API change`];
    return [];
  });
  if (problems.length) throw new Error(`teams: ${problems.join("; ")} (for ${email})`);
  return new Map(names.map((name) => [name, found.find((team) => team.name === name)!]));
}
