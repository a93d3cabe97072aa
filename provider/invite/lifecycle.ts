import type * as dynamic from "@pulumi/pulumi/dynamic";
import { AstroClient, CreateInviteResult } from "../api/client";
import { directoryFor, Purpose } from "../api/directory";
import { CreateOutcomeUnknownError, ResponseShapeError } from "../api/errors";
import type { Invite, SubjectProfile, User } from "../api/schemas";
import { report } from "../log";
import { DEFAULT_ROLE } from "../roles";
import { checkInputs } from "./inputs";
import { observe, Plan, planRemoval, planUpdate, Seen, UNREAD } from "./plan";
import {
  CheckedInputs,
  checkedInputs,
  initialState,
  INPUT_DEFAULTS,
  inputsOf,
  InviteInputs,
  InviteState,
  needsResend,
  readState,
  REPLACE_KEYS,
  sameValue,
  UNKNOWN,
  UPDATE_KEYS,
} from "./schema";
import { clientFor, configured, configureProcess, messageOf, PartialStateError } from "../process";
import { ConfigSource, MISSING_TOKEN } from "../settings";
import { leaveTeams, reconcileTeams, requireTeams } from "./teams";
import { reconcileScopes, requireScopes, scopedRolesReader, undoScopes } from "./scoped-roles";

/**
 * The invite's lifecycle, one function per step Pulumi calls, following the semantics table in the
 * README. Every step that changes something first looks at the real user in Astro, never only at state.
 * Pulumi hands each step untyped records: they are read through the schema at the top of the step.
 */
type Props = Record<string, unknown>;

export async function configure(req: { config: ConfigSource }, env: Record<string, string | undefined> = process.env): Promise<void> {
  configureProcess(req.config, env);
  claimed.clear();
}

/** check: normalize and validate, no network. */
export async function check(_olds: Props, news: Props): Promise<Required<dynamic.CheckResult<Partial<CheckedInputs>>>> {
  const { inputs, failures } = checkInputs(news, configured().defaults);
  if (!configured().token) failures.push({ property: "apiToken", reason: MISSING_TOKEN });
  return { inputs, failures };
}

/** diff: an input that names another invite (email, organization): replace; any other, or an expired invite: update. */
export async function diff(_id: string, olds: Props, news: Props): Promise<dynamic.DiffResult> {
  const state = readState(olds);
  // A field the declaration lacks (as written by an older version) is its default.
  const changed = (key: keyof InviteInputs) => news[key] === UNKNOWN || !sameValue(state[key], news[key] ?? INPUT_DEFAULTS[key]);
  const replaces = REPLACE_KEYS.filter(changed);
  const unsettled = needsResend(state) || state.status === "UNCONFIRMED";
  // Roles and Teams that Astro refused while the invite is pending wait for acceptance (seen by a refresh).
  const waiting = (key: keyof InviteInputs) =>
    state.status === "PENDING" && ((SCOPED_KEYS.includes(key) && state.workspaceRolesDeferred) || (key === "teams" && state.teamsDeferred));
  return {
    changes: replaces.length > 0 || UPDATE_KEYS.some((key) => changed(key) && !waiting(key)) || unsettled,
    replaces,
    // The new invite for the same person must not meet the old one: revoke first.
    deleteBeforeReplace: replaces.length > 0,
  };
}

/** The inputs of the roles below the organization, which wait together (one roles POST carries them). */
const SCOPED_KEYS: (keyof InviteInputs)[] = ["workspaceRoles", "deploymentRoles", "dagRoles"];

/** create: send the invite; an existing member is adopted instead of failing the update. */
export async function create(raw: Props): Promise<Required<dynamic.CreateResult<InviteState>>> {
  const inputs = checkedInputs(raw);
  const id = resourceId(inputs);
  const client = clientFor(inputs.apiUrl);
  try {
    await requireScopes(client, inputs);
    await requireTeams(client, inputs);
    const invited = await invite(client, inputs);
    return { id, outs: await withTeams(client, id, await withScopedRoles(client, id, invited, inputs), inputs) };
  } finally {
    // Recorded by this resource from here on, unless nothing at all reached the state (see remove).
    claimed.add(id);
  }
}

/**
 * Ids (organization and email) that a create of this operation recorded. A declaration moved or renamed
 * without `aliases` is a create under the new name and, at the end of the same operation, a delete of
 * the old one for the same person: that delete hands over instead of demoting or revoking what the new
 * resource just recorded. (A create that failed outright records nothing, and the engine then runs no
 * deletes, so a claim never outlives its operation wrongly.)
 */
const claimed = new Set<string>();

/** read (refresh): the invitee as Astro sees them now; gone from the organization: gone from state. */
export async function read(id: string, props: Props): Promise<{ id?: string; props?: InviteState; inputs?: Record<string, unknown> }> {
  const state = readState(props);
  const client = clientFor(state.apiUrl);
  const [user, scopedRolesOf] = await Promise.all([findInvitee(client, state, "recent"), scopedRolesReader(client, state)]);
  if (!user) return {};
  const current = { ...observe(state, user), ...scopedRolesOf(user.id) };
  return { id, props: current, inputs: inputsOf(current) };
}

/** update: reconcile the real user with the declaration, as the semantics table (plan.ts) says. */
export async function update(id: string, olds: Props, news: Props): Promise<Required<dynamic.UpdateResult<InviteState>>> {
  const inputs = checkedInputs(news);
  const client = clientFor(inputs.apiUrl);
  const stored = readState(olds);
  await requireScopes(client, inputs);
  await requireTeams(client, inputs);
  const withRoles = await withScopedRoles(client, id, await updateOrganizationRole(client, id, stored, inputs), inputs);
  return { outs: await withTeams(client, id, withRoles, inputs) };
}

/** The update's organization-role part: the invite and the role, as the semantics table (plan.ts) says. */
async function updateOrganizationRole(client: AstroClient, id: string, stored: InviteState, inputs: InviteInputs): Promise<InviteState> {
  // Looked up where the declaration now points (a changed apiUrl is another host).
  const user = await findInvitee(client, { ...stored, apiUrl: inputs.apiUrl }, beforeSetting(stored, inputs.role));
  const plan = planUpdate(stored, user, inputs);
  // The roles below the organization stay as last seen: withScopedRoles applies the declared ones next.
  const current = () => ({
    ...observe(stored, found(user, plan)),
    ...inputs,
    workspaceRoles: stored.workspaceRoles,
    deploymentRoles: stored.deploymentRoles,
    dagRoles: stored.dagRoles,
  });
  if (!plan) return current();
  switch (plan.action) {
    case "invite":
      return invite(client, inputs, id);
    case "record":
      // A create whose outcome was unknown: whoever is there now is the one we invited (never adopted).
      return settle(client, inputs, found(user, plan), false);
    case "reinvite":
      return reinvite(client, id, observe(stored, found(user, plan)), inputs);
    case "change-role":
      await client.updateOrganizationRole(inputs.organizationId, found(user, plan).id, inputs.role);
      return current();
    default:
      throw new Error(`The update of ${inputs.email} was planned as "${plan.action}", which update does not perform`);
  }
}

/** The workspace, Deployment and DAG roles after the organization role: a failure there keeps what was done in state. */
async function withScopedRoles(client: AstroClient, id: string, state: InviteState, inputs: InviteInputs): Promise<InviteState> {
  try {
    return await reconcileScopes(client, state, inputs);
  } catch (error) {
    throw new PartialStateError(id, state, `${inputs.email}: setting their workspace, Deployment or DAG roles failed: ${messageOf(error)}`);
  }
}

/** The Teams they join by name, after their roles: a failure there keeps what was done in state. */
async function withTeams(client: AstroClient, id: string, state: InviteState, inputs: InviteInputs): Promise<InviteState> {
  try {
    return await reconcileTeams(client, state, inputs.teams);
  } catch (error) {
    throw new PartialStateError(id, state, `${inputs.email}: joining or leaving their Teams failed: ${messageOf(error)}`);
  }
}

/** delete: undo what the stack did to the person, as the semantics table (plan.ts) says. */
export async function remove(_id: string, props: Props): Promise<void> {
  const state = readState(props);
  const client = clientFor(state.apiUrl);
  const handedOver = claimed.has(resourceId(state));
  // A hand-over writes nothing, so it needs no read.
  const purpose = removalLookup(state);
  const seen = handedOver ? UNREAD : await findInvitee(client, state, purpose);
  const plan = planRemoval(state, seen, handedOver);
  // A lookup that read them by id filled their role lists: setting back their roles needs no second read.
  const byId = purpose === "freshById" && seen !== UNREAD && seen?.id === state.userId ? seen : undefined;
  switch (plan.action) {
    case "revoke":
      await leaveTeams(client, state);
      if ((await client.deleteInvite(state.organizationId, state.inviteId)) === "alreadyGone") {
        // The lookup just saw them pending, so an invite other than the stack's may be live.
        await report(
          "warning",
          `The invite ${state.inviteId} for ${state.email} was already gone, but ${state.email} is still pending: another ` +
            `invite may be live (sent in the Astro UI, or an earlier one). Revoke it in the Astro UI if they should not join.`,
        );
      }
      return;
    case "demote":
    case "restore":
      await leaveTeams(client, state);
      // One roles POST sets back the roles below the organization and sets the organization role.
      if (!(await undoScopes(client, state, plan.toRole!, byId)))
        await client.updateOrganizationRole(state.organizationId, found(seen, plan).id, plan.toRole!);
      return;
    case "leave":
      if (seen !== undefined) await leaveTeams(client, state);
      if (seen !== undefined) await undoScopes(client, state, undefined, byId);
      if (plan.warning) await report("warning", plan.warning);
      return;
    case "handover":
      if (plan.warning) await report("warning", plan.warning);
      return;
    default:
      throw new Error(`The removal of ${state.email} was planned as "${plan.action}", which delete does not perform`);
  }
}

/** The user a plan acts on; the table plans an action on a user only when the lookup found one. */
function found(seen: Seen, plan: Plan | undefined): User {
  if (seen === undefined || seen === UNREAD)
    throw new Error(`"${plan?.action ?? "no change"}" was planned for a user the lookup did not find`);
  return seen;
}

// ---- steps shared by the lifecycle functions ------------------------------------------------------

/**
 * Sends an invite and settles what the API answered into state. When the create may have reached Astro
 * but its outcome could not be learned, the resource is recorded as UNCONFIRMED (partial state) rather
 * than forgotten, so that the next `up` looks the invitee up instead of inviting again.
 */
async function invite(client: AstroClient, inputs: InviteInputs, id: string = resourceId(inputs)): Promise<InviteState> {
  let result: CreateInviteResult;
  try {
    // The lookup after an ambiguous attempt is the directory's, like every other: one way to find a person.
    const lookUp = () => directoryFor(client, inputs.organizationId).find({ email: inputs.email }, "fresh");
    result = await client.createInvite(inputs.organizationId, inputs.email, inputs.role, lookUp);
  } catch (error) {
    if (error instanceof CreateOutcomeUnknownError) {
      const next = `the next \`pulumi up\` looks ${inputs.email} up and records them instead of inviting again`;
      throw new PartialStateError(
        id,
        { ...initialState(inputs), status: "UNCONFIRMED" },
        `${error.message}. The invite is recorded as UNCONFIRMED: ${next}`,
      );
    }
    if (error instanceof ResponseShapeError && error.operation === "createInvite") {
      // Astro answered with an invite, but for someone else or another organization: what was created is unclear.
      throw new Error(`The Astro API's answer to the invite for ${inputs.email} was not recorded: ${error.message}`, { cause: error });
    }
    // No attempt can have reached the server, or the invitee was looked up after each one that could and was not there.
    throw new Error(`No invite was sent to ${inputs.email}: ${messageOf(error)}`, { cause: error });
  }
  if (result.outcome === "created") return fromInvite(inputs, result.invite);
  // "Adopted" is someone who had a role before this stack declared them. A pending invitee is someone
  // invited for this declaration (ours, whose answer was lost, or an outstanding invite): managed.
  return settle(client, inputs, result.user, result.user.status !== "PENDING");
}

/** Records a user found where an invite was meant to be, and gives them the declared role. */
async function settle(client: AstroClient, inputs: InviteInputs, user: User, adopted: boolean): Promise<InviteState> {
  const state: InviteState = {
    ...initialState(inputs),
    userId: user.id,
    status: user.status,
    role: user.organizationRole ?? inputs.role,
    adopted,
    roleBefore: adopted ? (user.organizationRole ?? "") : "",
  };
  if (state.role === inputs.role) return state;
  try {
    await client.updateOrganizationRole(inputs.organizationId, user.id, inputs.role);
  } catch (error) {
    if (adopted) throw error;
    throw new PartialStateError(
      resourceId(inputs),
      state,
      `${inputs.email} is in the organization, but setting their role to ${inputs.role} failed: ${messageOf(error)}`,
    );
  }
  return { ...state, role: inputs.role };
}

/** Withdraws the current invite and sends a new one; a failure in between is recorded, not lost. */
async function reinvite(client: AstroClient, id: string, current: InviteState, inputs: InviteInputs): Promise<InviteState> {
  if (current.inviteId !== "") await client.deleteInvite(current.organizationId, current.inviteId);
  let next: InviteState;
  try {
    next = await invite(client, inputs, id);
  } catch (error) {
    if (error instanceof PartialStateError) throw error;
    const revoked: InviteState = { ...current, inviteId: "", status: "REVOKED" };
    throw new PartialStateError(id, revoked, `the previous invite was revoked, but sending the new one failed: ${messageOf(error)}`);
  }
  // No new invite came back, yet the person is still pending: Astro refused it because the old one still
  // stands (a revoke answered 404, an expired invite that Astro keeps). Recorded as still expired, so
  // that every `up` tries again, and said, rather than recorded as a pending invite that never expires.
  if (current.status === "EXPIRED" && next.status === "PENDING" && next.inviteId === "") {
    await report(
      "warning",
      `The expired invite for ${inputs.email} was not re-sent: Astro neither revoked it nor accepted a new invite while ` +
        `${inputs.email} is still pending ("existing role"). Re-send it from the Astro UI; the next \`pulumi up\` tries again.`,
    );
    return { ...next, inviteId: current.inviteId, expiresAt: current.expiresAt, status: "EXPIRED" };
  }
  return next;
}

/**
 * The invitee's user: by id while we have one, else by email (a re-created user has a new id). Lookups
 * of all resources in this process are shared (api/directory.ts); a lookup made before a change is
 * answered only by reads that started after it was asked.
 */
function findInvitee(client: AstroClient, state: InviteState, purpose: Purpose): Promise<User | undefined> {
  return directoryFor(client, state.organizationId).find({ userId: state.userId || undefined, email: state.email }, purpose);
}

/** The lookup before a change to `role`: a role change when state says the invitee accepted with another role. */
function beforeSetting(state: InviteState, role: string): Purpose {
  return state.status === "ACTIVE" && state.role !== role ? "freshById" : "fresh";
}

/** The lookup before a removal: before a demotion (or an adopted member's restore), or any other write. */
function removalLookup(state: InviteState): Purpose {
  if (state.onDelete === "keep") return "fresh";
  return beforeSetting(state, state.adopted ? state.roleBefore : DEFAULT_ROLE);
}

function fromInvite(inputs: InviteInputs, invite: Invite): InviteState {
  return {
    ...initialState(inputs),
    inviteId: invite.inviteId,
    userId: invite.invitee.id,
    expiresAt: new Date(invite.expiresAt).toISOString(),
    inviter: inviterOf(invite.inviter),
    organizationName: invite.organizationName ?? "",
  };
}

function inviterOf(profile: SubjectProfile): InviteState["inviter"] {
  return {
    id: profile.id,
    subjectType: profile.subjectType ?? "",
    displayName: profile.apiTokenName ?? profile.fullName ?? profile.username ?? "",
  };
}

export function resourceId(inputs: Pick<InviteInputs, "organizationId" | "email">): string {
  return `${inputs.organizationId}/${inputs.email}`;
}
