import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { AstroClient } from "../api/client";
import { directoryFor, Purpose } from "../api/directory";
import { AstroApiError } from "../api/errors";
import { emailKey, type Team, type TeamMember, type User } from "../api/schemas";
import type { CheckFailure } from "../invite/inputs";
import { inDagOrder, SCOPES } from "../invite/plan";
import { DagRole, sameValue, UNKNOWN } from "../invite/schema";
import { report } from "../log";
import { clientFor, configured, configureProcess, messageOf, PartialStateError } from "../process";
import { ConfigSource, MISSING_TOKEN } from "../settings";
import { checkedTeamInputs, checkTeamInputs, CheckedTeamInputs } from "./inputs";
import {
  astrosWorkspaceRoles,
  Observed,
  ownWorkspaceRoles,
  parentWorkspacesOf,
  planTeamOrigin,
  planTeamRemoval,
  planTeamUpdate,
  TeamStep,
} from "./plan";
import {
  readTeamState,
  TEAM_INPUT_DEFAULTS,
  TEAM_INPUT_KEYS,
  TEAM_REPLACE_KEYS,
  TEAM_UPDATE_KEYS,
  TeamInputKey,
  TeamInputs,
  teamInputsOf,
  TeamState,
  withSchemaVersion,
} from "./schema";

/**
 * The Team's lifecycle, one function per step Pulumi calls, acting on the table in plan.ts. Every step
 * that writes first reads the Team in Astro, never only the state; a Team its identity provider manages
 * is never written.
 */
type Props = Record<string, unknown>;

export async function configure(req: { config: ConfigSource }, env: Record<string, string | undefined> = process.env): Promise<void> {
  configureProcess(req.config, env);
}

/**
 * check: the inputs validated, then what Astro will refuse (SCIM, an IdP-managed Team, an ambiguous name,
 * a Deployment that is not the organization's) found by reading.
 */
export async function check(_olds: Props, news: Props): Promise<Required<dynamic.CheckResult<Partial<CheckedTeamInputs>>>> {
  const { inputs, failures } = checkTeamInputs(news, configured().defaults);
  if (!configured().token) failures.push({ property: "apiToken", reason: MISSING_TOKEN });
  const known = TEAM_INPUT_KEYS.every((key) => inputs[key] !== UNKNOWN);
  if (failures.length === 0 && known) failures.push(...(await refusals(inputs as TeamInputs)));
  return { inputs, failures };
}

/** What Astro would refuse for this declaration, said before anything is sent (reads only). */
async function refusals(inputs: TeamInputs): Promise<CheckFailure[]> {
  const client = clientFor(inputs.apiUrl);
  const organization = await client.getOrganization(inputs.organizationId);
  if (organization.isScimEnabled) {
    return [
      {
        property: "organizationId",
        reason:
          `organization ${inputs.organizationId} has SCIM provisioning on: Astro refuses every Team create, change and delete while it is ` +
          "(its identity provider owns Teams). Manage Teams there, or remove this declaration; refresh, export and audit still read them",
      },
    ];
  }
  const origin = planTeamOrigin(inputs.name, await client.listTeams(inputs.organizationId, [inputs.name]));
  if ("refused" in origin) return [{ property: "name", reason: origin.refused }];
  return unknownDeployments(client, inputs);
}

/** Each declared Deployment must be one of the organization's (one list of them, only when some are declared). */
async function unknownDeployments(client: AstroClient, inputs: TeamInputs): Promise<CheckFailure[]> {
  const named = [
    ...Object.keys(inputs.deploymentRoles).map((id) => ({ property: "deploymentRoles", id, at: `deploymentRoles.${id}` })),
    ...inputs.dagRoles.map((entry, i) => ({ property: "dagRoles", id: entry.deploymentId, at: `dagRoles[${i}].deploymentId` })),
  ];
  if (named.length === 0) return [];
  const deployments = await directoryFor(client, inputs.organizationId).deployments();
  const names = deployments.map((deployment) => `${deployment.id} (${deployment.name})`).join(", ") || "none";
  return named
    .filter(({ id }) => !deployments.some((deployment) => deployment.id === id))
    .map(({ property, id, at }) => ({
      property,
      reason: `${at}: ${id} is not a Deployment of organization ${inputs.organizationId} (its Deployments: ${names})`,
    }));
}

/** diff: the organization replaces; any other field updates in place (a rename included). */
export async function diff(_id: string, olds: Props, news: Props): Promise<dynamic.DiffResult> {
  const state = readTeamState(olds);
  const changed = (key: TeamInputKey) => {
    if (news[key] === UNKNOWN) return true;
    if (key === "members") return !sameMembers(state, (news.members as string[] | null | undefined) ?? null);
    return !sameValue(state[key], news[key] ?? TEAM_INPUT_DEFAULTS[key]);
  };
  const replaces = TEAM_REPLACE_KEYS.filter(changed);
  return { changes: replaces.length > 0 || TEAM_UPDATE_KEYS.some(changed), replaces, deleteBeforeReplace: false };
}

/** The declared members against what the stack last saw, members waiting for acceptance counted as in. */
function sameMembers(state: TeamState, declared: string[] | null): boolean {
  if (declared === null || state.members === null) return declared === state.members;
  const have = new Set([...state.members, ...state.membersWaiting]);
  return declared.length === have.size && declared.every((email) => have.has(email));
}

/** create: adopt the one Team of that name, or create it. */
export async function create(raw: Props): Promise<Required<dynamic.CreateResult<TeamState>>> {
  const inputs = checkedTeamInputs(raw);
  const client = clientFor(inputs.apiUrl);
  const people = await resolveMembers(client, inputs);
  const named = await client.listTeams(inputs.organizationId, [inputs.name]);
  const origin = planTeamOrigin(inputs.name, named);
  if ("refused" in origin) throw new Error(`Nothing was sent for Team "${inputs.name}": ${origin.refused}`);
  const state = origin.action === "adopt" ? await adopt(client, inputs, named[0], people) : await createTeam(client, inputs, people);
  return { id: state.teamId, outs: state };
}

/** read (refresh): the Team as Astro has it; gone from the organization: gone from state. */
export async function read(id: string, props: Props): Promise<{ id?: string; props?: TeamState; inputs?: Record<string, unknown> }> {
  const stored = readTeamState(props);
  const client = clientFor(stored.apiUrl);
  const team = (await everyTeam(client, stored.organizationId)).find((candidate) => candidate.id === stored.teamId);
  if (!team) return {};
  const members = await client.listTeamMembers(stored.organizationId, team.id);
  const observed = await observeTeam(client, stored.organizationId, team, members);
  const reported = await reportedMembers(client, stored.organizationId, members, "recent");
  // A waiting member who has accepted since (or left) is no longer waiting: the next `up` acts on them.
  const directory = directoryFor(client, stored.organizationId);
  const waitingUsers = await Promise.all(stored.membersWaiting.map((email) => directory.find({ email }, "recent")));
  const waiting = stored.membersWaiting.filter((_, i) => waitingUsers[i]?.status === "PENDING");
  const current = settled(stored, observed, team, reported, { membersWaiting: waiting });
  return { id, props: current, inputs: teamInputsOf(current) };
}

/** update: bring the Team to the declaration, as the table (plan.ts) says. */
export async function update(_id: string, olds: Props, news: Props): Promise<Required<dynamic.UpdateResult<TeamState>>> {
  const stored = readTeamState(olds);
  const inputs = checkedTeamInputs(news);
  const client = clientFor(inputs.apiUrl);
  const people = await resolveMembers(client, inputs);
  const team = await client.getTeam(inputs.organizationId, stored.teamId);
  // Deleted outside the stack: declared again, like an invitee no longer in the organization.
  if (!team) return { outs: await createTeam(client, inputs, people) };
  const origin = planTeamOrigin(team.name, [team]);
  if ("refused" in origin) throw new Error(`Nothing was sent for Team "${team.name}": ${origin.refused}`);
  const members = await client.listTeamMembers(inputs.organizationId, team.id);
  const observed = await observeTeam(client, inputs.organizationId, team, members);
  const reported = await reportedMembers(client, inputs.organizationId, members, "fresh");
  // Astro's own workspace roles are told apart by the declaration the Team is brought to.
  const declaration = { ...stored, members: inputs.members, apiUrl: inputs.apiUrl, workspaceRoles: inputs.workspaceRoles };
  const base = settled(declaration, observed, team, reported, { membersWaiting: [] });
  return { outs: await reconcile(client, base, team, observed, members, inputs, people) };
}

/** delete: a Team the stack created is deleted; an adopted one is set back to what was found. */
export async function remove(_id: string, props: Props): Promise<void> {
  const state = readTeamState(props);
  const client = clientFor(state.apiUrl);
  const team = await client.getTeam(state.organizationId, state.teamId);
  if (team?.isIdpManaged) {
    await report("warning", `Team "${team.name}" (${team.id}) is managed by the identity provider now: it was left as it is.`);
    return;
  }
  const members = team ? await client.listTeamMembers(state.organizationId, team.id) : [];
  const observed = team ? await observeTeam(client, state.organizationId, team, members) : undefined;
  for (const step of planTeamRemoval(state, observed)) {
    if (step.action === "delete") await client.deleteTeam(state.organizationId, state.teamId);
    else if (step.action !== "restore") await apply(client, state.organizationId, state.teamId, step, members);
  }
}

// ---- steps shared by the lifecycle functions ------------------------------------------------------

/** A new Team with the declared roles and its active members; pending ones join, or wait, after. */
async function createTeam(client: AstroClient, inputs: TeamInputs, people: Map<string, User>): Promise<TeamState> {
  const declared = inputs.members ?? [];
  const active = declared.filter((email) => people.get(email)!.status !== "PENDING");
  let team: Team;
  try {
    team = await client.createTeam(inputs.organizationId, {
      name: inputs.name,
      description: inputs.description,
      organizationRole: inputs.organizationRole,
      memberIds: active.map((email) => people.get(email)!.id),
    });
  } catch (error) {
    throw new Error(
      `Team "${inputs.name}" may not have been created: ${messageOf(error)}. If it was, the next \`pulumi up\` finds it by name and adopts it.`,
      { cause: error },
    );
  }
  const members = active.map((email) => ({ userId: people.get(email)!.id, username: email }));
  const observed = observe(team, members, []);
  const base = settled({ ...inputs, ...blank() }, observed, team, reportedOf(members, people), {});
  return reconcile(client, base, team, observed, members, inputs, people, "created");
}

/** The one Team of that name, recorded as found; then brought to the declaration (nothing sent if it matches). */
async function adopt(client: AstroClient, inputs: TeamInputs, team: Team, people: Map<string, User>): Promise<TeamState> {
  const members = await client.listTeamMembers(inputs.organizationId, team.id);
  const observed = await observeTeam(client, inputs.organizationId, team, members);
  const { parentWorkspaces: _, ...found } = observed;
  const reported = await reportedMembers(client, inputs.organizationId, members, "fresh");
  const base = settled({ ...inputs, ...blank(), adopted: true, found }, observed, team, reported, {});
  return reconcile(client, base, team, observed, members, inputs, people, "adopted");
}

/**
 * Applies the table's steps for the declaration. A step that fails after an earlier one wrote is
 * recorded (partial state) with what was done, never lost.
 */
async function reconcile(
  client: AstroClient,
  base: TeamState,
  team: Team,
  observed: Observed,
  members: TeamMember[],
  inputs: TeamInputs,
  people: Map<string, User>,
  origin?: "created" | "adopted",
): Promise<TeamState> {
  let state = base;
  let wrote = origin === "created";
  try {
    for (const step of planTeamUpdate(observed, inputs)) {
      const outcome = await apply(client, inputs.organizationId, team.id, step, members, people);
      state = afterStep(state, step, outcome, people);
      wrote ||= outcome.wrote;
    }
  } catch (error) {
    if (!wrote) throw new Error(`Nothing was sent for Team "${inputs.name}": ${messageOf(error)}`, { cause: error });
    throw new PartialStateError(
      state.teamId,
      state,
      `Team "${inputs.name}" (${state.teamId}) is only partly as declared: ${messageOf(error)}`,
    );
  }
  if (state.membersWaiting.length) {
    await report(
      "info",
      `Team "${inputs.name}": ${state.membersWaiting.join(", ")} cannot join while their invite is pending; the first \`pulumi up\` after a refresh sees them accept adds them.`,
    );
  }
  return state;
}

/** One step's request(s). Pending members Astro refuses to add (a 400) wait for acceptance instead. */
async function apply(
  client: AstroClient,
  organizationId: string,
  teamId: string,
  step: TeamStep,
  members: TeamMember[],
  people: Map<string, User> = new Map(),
): Promise<Outcome> {
  const ids = (emails: string[]) =>
    emails.map((email) => people.get(email)?.id ?? members.find((m) => emailKey(m.username) === email)!.userId);
  switch (step.action) {
    case "rename":
      await client.updateTeam(organizationId, teamId, { name: step.to!.name, description: step.to!.description });
      return { wrote: true, waiting: [] };
    case "roles": {
      const sent = step.to!.workspaceRoles;
      const answer = await client.updateTeamRoles(organizationId, teamId, {
        organizationRole: step.to!.organizationRole,
        workspaceRoles: Object.entries(sent).map(([workspaceId, role]) => ({ workspaceId, role })),
        deploymentRoles: Object.entries(step.to!.deploymentRoles).map(([deploymentId, role]) => ({ deploymentId, role })),
        dagRoles: step.to!.dagRoles,
      });
      // A workspace role in Astro's answer that was not sent is one Astro added for a Deployment or DAG role.
      const byAstro = (answer.workspaceRoles ?? []).filter((entry) => !(entry.workspaceId in sent));
      return { wrote: true, waiting: [], byAstro: Object.fromEntries(byAstro.map((entry) => [entry.workspaceId, entry.role])) };
    }
    case "remove-member":
      for (const userId of ids(step.emails!)) await client.removeTeamMember(organizationId, teamId, userId);
      return { wrote: true, waiting: [] };
    case "add-member": {
      const pending = step.emails!.filter((email) => people.get(email)?.status === "PENDING");
      const active = step.emails!.filter((email) => !pending.includes(email));
      if (active.length) await client.addTeamMembers(organizationId, teamId, ids(active));
      if (pending.length === 0) return { wrote: active.length > 0, waiting: [] };
      try {
        await client.addTeamMembers(organizationId, teamId, ids(pending));
        return { wrote: true, waiting: [] };
      } catch (error) {
        if (!(error instanceof AstroApiError) || error.status !== 400) throw error;
        return { wrote: active.length > 0, waiting: pending };
      }
    }
    default:
      throw new Error(`A Team step "${step.action}" is not one that writes`);
  }
}

/** What a step did: whether it wrote, who waits for acceptance, and (roles) the workspace roles Astro added. */
interface Outcome {
  wrote: boolean;
  waiting: string[];
  byAstro?: Record<string, string>;
}

/** The state after a step: the Team as the step left it. */
function afterStep(state: TeamState, step: TeamStep, { waiting, byAstro }: Outcome, people: Map<string, User>): TeamState {
  switch (step.action) {
    case "rename":
      return { ...state, name: step.to!.name, description: step.to!.description };
    case "roles":
      return {
        ...state,
        organizationRole: step.to!.organizationRole,
        workspaceRoles: step.to!.workspaceRoles,
        deploymentRoles: step.to!.deploymentRoles,
        dagRoles: step.to!.dagRoles,
        workspaceRolesByAstro: byAstro ?? {},
      };
    case "remove-member":
      return {
        ...state,
        members: state.members?.filter((email) => !step.emails!.includes(email)) ?? null,
        reportedMembers: state.reportedMembers.filter((member) => !step.emails!.includes(member.email)),
        membersAdded: state.membersAdded.filter((email) => !step.emails!.includes(email)),
      };
    case "add-member": {
      const joined = step.emails!.filter((email) => !waiting.includes(email));
      const reported = joined.map((email) => ({ email, userId: people.get(email)!.id, status: people.get(email)!.status }));
      return {
        ...state,
        members: [...(state.members ?? []), ...joined].sort(),
        reportedMembers: [...state.reportedMembers, ...reported].sort((a, b) => a.email.localeCompare(b.email)),
        membersWaiting: waiting,
        membersAdded: state.adopted ? [...state.membersAdded, ...joined] : state.membersAdded,
      };
    }
    default:
      return state;
  }
}

/** What a Team is in Astro, in the table's terms, with the workspaces of its Deployments (from the shared list, when it has any). */
async function observeTeam(client: AstroClient, organizationId: string, team: Team, members: TeamMember[]): Promise<Observed> {
  const held = [...(team.deploymentRoles ?? []), ...(team.dagRoles ?? [])].map((entry) => entry.deploymentId);
  const deployments = held.length ? await directoryFor(client, organizationId).deployments() : [];
  return observe(team, members, parentWorkspacesOf(held, deployments));
}

function observe(team: Team, members: TeamMember[], parentWorkspaces: string[]): Observed {
  return {
    name: team.name,
    description: team.description ?? "",
    organizationRole: team.organizationRole ?? "ORGANIZATION_MEMBER",
    workspaceRoles: Object.fromEntries((team.workspaceRoles ?? []).map((entry) => [entry.workspaceId, entry.role])),
    deploymentRoles: Object.fromEntries((team.deploymentRoles ?? []).map((entry) => [entry.deploymentId, entry.role])),
    dagRoles: inDagOrder((team.dagRoles ?? []).map((entry) => SCOPES.dag.entry(SCOPES.dag.key(entry), entry.role) as DagRole)),
    members: members.map((member) => emailKey(member.username)).sort(),
    parentWorkspaces,
  };
}

/**
 * The state for a Team as read: its fields and members as Astro has them, over what the stack recorded
 * (whose workspaceRoles are the declared ones, by which Astro's own are told apart).
 */
function settled(
  stored: Omit<TeamState, "schemaVersion">,
  seen: Observed,
  team: Team,
  reported: TeamState["reportedMembers"],
  change: Partial<TeamState>,
): TeamState {
  const byAstro = astrosWorkspaceRoles(seen, stored.workspaceRoles);
  return withSchemaVersion({
    ...stored,
    name: seen.name,
    description: seen.description,
    organizationRole: seen.organizationRole,
    workspaceRoles: ownWorkspaceRoles(seen, stored.workspaceRoles),
    deploymentRoles: seen.deploymentRoles,
    dagRoles: seen.dagRoles,
    workspaceRolesByAstro: byAstro,
    // Only a declared member list is the stack's to report as its input.
    members: stored.members === null ? null : seen.members,
    teamId: team.id,
    isIdpManaged: team.isIdpManaged,
    reportedMembers: reported,
    ...change,
  });
}

/** Output-only fields before Astro has said anything. */
const blank = () => ({
  teamId: "",
  isIdpManaged: false,
  reportedMembers: [],
  membersWaiting: [],
  membersAdded: [],
  workspaceRolesByAstro: {},
  adopted: false,
  found: null,
});

/**
 * Each declared member, as a user of the organization (one shared walk of the users list). An email that
 * is not one fails the Team before anything is sent, naming it.
 */
async function resolveMembers(client: AstroClient, inputs: TeamInputs): Promise<Map<string, User>> {
  const directory = directoryFor(client, inputs.organizationId);
  const emails = inputs.members ?? [];
  const users = await Promise.all(emails.map((email) => directory.find({ email }, "fresh")));
  const missing = emails.filter((_, i) => users[i] === undefined);
  if (missing.length) {
    throw new Error(
      `Nothing was sent for Team "${inputs.name}": members names ${missing.join(", ")}, not a user of organization ${inputs.organizationId}. ` +
        "Invite them with an OrganizationUserInvite in this program and list its `email` output, so that the invite goes first.",
    );
  }
  return new Map(emails.map((email, i) => [email, users[i]!]));
}

/** Members with their status in the organization, from the shared users walk (never a read per member). */
async function reportedMembers(client: AstroClient, organizationId: string, members: TeamMember[], purpose: Purpose) {
  const directory = directoryFor(client, organizationId);
  const users = await Promise.all(members.map((member) => directory.find({ userId: member.userId, email: member.username }, purpose)));
  return members
    .map((member, i) => ({ email: emailKey(member.username), userId: member.userId, status: users[i]?.status ?? "UNKNOWN" }))
    .sort((a, b) => a.email.localeCompare(b.email));
}

function reportedOf(members: TeamMember[], people: Map<string, User>): TeamState["reportedMembers"] {
  return members.map((member) => ({
    email: member.username,
    userId: member.userId,
    status: people.get(member.username)?.status ?? "UNKNOWN",
  }));
}

/** Every Team of the organization, read once per client (an operation): a refresh of many Teams costs one list. */
const teamLists = new WeakMap<AstroClient, Map<string, Promise<Team[]>>>();
function everyTeam(client: AstroClient, organizationId: string): Promise<Team[]> {
  const lists = teamLists.get(client) ?? new Map<string, Promise<Team[]>>();
  teamLists.set(client, lists);
  let list = lists.get(organizationId);
  if (!list) lists.set(organizationId, (list = client.listTeams(organizationId)));
  return list;
}
