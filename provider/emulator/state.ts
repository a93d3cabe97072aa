import { emailKey } from "../api/schemas";
import { DAG_ROLES, DEPLOYMENT_ROLES, ORGANIZATION_ROLES, WORKSPACE_ROLES, isOrganizationRole } from "../roles";
import { cuid } from "./ids";

/**
 * The emulated Astro organization data and the API's documented behaviour on it. Where Astronomer's
 * behaviour is not known, a switch picks one of the possibilities so that both can be tested.
 */
export interface Switches {
  /** Inviting an email whose invite is still pending: 400 "existing role", or a fresh invite replacing it. */
  reinvitePending: "reject" | "fresh";
  /** Inviting an email whose invite expired while the pending user is still listed: a fresh invite, or 400 "existing role". */
  reinviteAfterExpiry: "fresh" | "reject";
  /** Deleting an invite that was accepted or has expired: 404, or 204 as if it were revoked. */
  deleteAfterAcceptance: "404" | "204";
  /** The pending user once their invite has expired: still listed as PENDING, or removed from the org. */
  pendingAfterExpiry: "keep" | "remove";
  /** Whether 429 answers carry a Retry-After header. */
  retryAfterOn429: boolean;
  /** How long a new invite is valid. */
  inviteLifetimeSeconds: number;
  /**
   * Whether a user read by id (or listed with a `workspaceId` filter) shows the roles their Teams grant
   * beside their own (evidence that it does: astronomer/terraform-provider-astro#152); the unfiltered users
   * list carries no role lists either way.
   */
  teamGrantsInUserRead: boolean;
  /** A roles POST with workspace, Deployment or DAG roles for a PENDING user: applied, or 400 until they accept. */
  workspaceRolesForPending: "accept" | "reject";
  /**
   * A Deployment or DAG role for someone (or a Team) with no role in the Deployment's workspace: Astro adds
   * WORKSPACE_ACCESSOR there itself (what the reference records), or refuses with 400.
   */
  scopedRoleWithoutWorkspaceRole: "addAccessor" | "refuse";
  /**
   * A DAG role on a Deployment where the subject has no Deployment role: 400 (Astronomer's Terraform docs
   * require the Deployment role), or accepted as sent. Whether Astro fills one in is not known, and not emulated.
   */
  dagRoleWithoutDeploymentRole: "refuse" | "accept";
  /** Adding a PENDING invitee to a Team (at create or to its members): accepted, or 400 until they accept. */
  pendingTeamMembers: "accept" | "reject";
  /**
   * How a write to a Team that the organization's identity provider manages is refused: 403 or 400 (the
   * reference does not say; that Astro accepts it and the IdP overwrites it later is not emulated).
   */
  idpManagedTeamWrites: "403" | "400";
}

const DEFAULT_SWITCHES: Switches = {
  reinvitePending: "reject",
  reinviteAfterExpiry: "fresh",
  deleteAfterAcceptance: "404",
  pendingAfterExpiry: "keep",
  retryAfterOn429: true,
  inviteLifetimeSeconds: 7 * 24 * 3600,
  teamGrantsInUserRead: true,
  workspaceRolesForPending: "reject",
  scopedRoleWithoutWorkspaceRole: "addAccessor",
  dagRoleWithoutDeploymentRole: "refuse",
  pendingTeamMembers: "reject",
  idpManagedTeamWrites: "403",
};

/** A person's roles below the organization, in the shapes of the API's role lists. */
export interface RoleLists {
  workspaceRoles: { workspaceId: string; role: string }[];
  deploymentRoles: { deploymentId: string; role: string }[];
  dagRoles: { deploymentId: string; role: string; dagId?: string; dagTag?: string }[];
}
const ROLE_LISTS = ["workspaceRoles", "deploymentRoles", "dagRoles"] as const;
const noRoles = (): RoleLists => ({ workspaceRoles: [], deploymentRoles: [], dagRoles: [] });

/** A Team: its members hold its roles for as long as they belong to it. */
interface Team {
  id: string;
  organizationId: string;
  name: string;
  description: string;
  organizationRole: string;
  /** Member ids, with when each joined. */
  members: Map<string, string>;
  roles: RoleLists;
  isIdpManaged: boolean;
  createdAt: string;
  updatedAt: string;
}

/** What a test control may say of a Team it creates. */
export interface TeamOptions extends Partial<RoleLists> {
  organizationRole?: string;
  description?: string;
  isIdpManaged?: boolean;
}

export type MemberStatus = "PENDING" | "ACTIVE" | "INACTIVE" | "BANNED";

export interface Organization {
  id: string;
  name: string;
  /** SCIM provisioning from the identity provider: Team writes are refused while it is on. */
  isScimEnabled: boolean;
}

export interface Workspace {
  id: string;
  name: string;
  organizationId: string;
}

export interface Deployment {
  id: string;
  name: string;
  workspaceId: string;
  organizationId: string;
}

/** An organization's own Deployment or DAG role, named by its id in role lists. */
interface CustomRole {
  id: string;
  scope: "DEPLOYMENT" | "DAG";
  organizationId: string;
}

export interface ApiToken {
  id: string;
  name: string;
  secret: string;
  organizationIds: string[];
  /** The Astro permissions it holds (e.g. organization.users.create); all of them when absent. */
  permissions?: string[];
}

/** A person known to Astro, across organizations. */
interface Person {
  id: string;
  email: string;
  fullName: string;
  avatarUrl: string;
}

interface Membership {
  userId: string;
  status: MemberStatus;
  role: string;
  /** Granted to the person themselves (not through a Team). */
  direct: RoleLists;
  createdAt: string;
  updatedAt: string;
}

export interface EmulatedInvite {
  id: string;
  organizationId: string;
  userId: string;
  role: string;
  expiresAt: string;
  state: "pending" | "accepted" | "revoked";
  inviter: ApiToken;
}

export interface ApiResult {
  status: number;
  body?: unknown;
}

export interface FieldError {
  code: string;
  field: string;
  message: string;
}

/** What a handler answers when a request is refused; the server turns it into Astro's Error body. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fieldErrors?: FieldError[],
  ) {
    super(message);
  }
}

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export class EmulatorState {
  switches: Switches = { ...DEFAULT_SWITCHES };
  /** Added to the wall clock, so tests can move time forward to expire invites. */
  clockOffsetMs = 0;

  private readonly organizations = new Map<string, Organization>();
  private readonly tokens = new Map<string, ApiToken>();
  private readonly people = new Map<string, Person>();
  /** People by email, ignoring case (emailKey): Astro matches invitees so. */
  private readonly peopleByEmail = new Map<string, Person>();
  private readonly memberships = new Map<string, Map<string, Membership>>();
  private readonly invites = new Map<string, EmulatedInvite>();
  private readonly teams = new Map<string, Team>();
  private readonly workspaces = new Map<string, Workspace>();
  private readonly deployments = new Map<string, Deployment>();
  private readonly customRoles = new Map<string, CustomRole>();
  /** Stands in as the inviter of invites sent outside the API. */
  private readonly uiUser: ApiToken = { id: cuid(), name: "Astro UI", secret: "", organizationIds: [] };

  now(): Date {
    return new Date(Date.now() + this.clockOffsetMs);
  }

  // ---- set-up -------------------------------------------------------------------------------------

  createOrganization(name: string, id: string = cuid()): Organization {
    const organization = { id, name, isScimEnabled: false };
    this.organizations.set(id, organization);
    this.memberships.set(id, new Map());
    return organization;
  }

  createToken(name: string, organizationIds: string[], options: { secret?: string; permissions?: string[] } = {}): ApiToken {
    const token = {
      id: cuid(),
      name,
      secret: options.secret ?? `astro-emulator-${cuid()}`,
      organizationIds,
      permissions: options.permissions,
    };
    this.tokens.set(token.secret, token);
    return token;
  }

  tokenFor(secret: string): ApiToken | undefined {
    return this.tokens.get(secret);
  }

  /**
   * Requires that the organization exists (404) and that the token may act on it with `permission` (403).
   * Each operation names its permission itself, independently of the client's list (api/errors.ts), on
   * purpose: a test holds the two against each other.
   */
  authorize(token: ApiToken, organizationId: string, permission: string): Organization {
    const organization = this.organization(organizationId);
    if (!token.organizationIds.includes(organizationId)) {
      throw new ApiFailure(403, `API token ${token.name} does not have access to organization ${organizationId}`);
    }
    if (token.permissions && !token.permissions.includes(permission)) {
      throw new ApiFailure(403, `API token ${token.name} lacks the permission ${permission}`);
    }
    return organization;
  }

  // ---- the five API operations ----------------------------------------------------------------------

  createInvite(token: ApiToken, organizationId: string, body: unknown): ApiResult {
    const organization = this.authorize(token, organizationId, "organization.users.create");
    const { inviteeEmail, role } = validateInviteBody(body);
    this.sweepExpired();
    const person = this.personByEmail(inviteeEmail) ?? this.addPerson(inviteeEmail);
    const members = this.members(organizationId);
    const existing = members.get(person.id);
    if (existing) {
      const live = this.liveInviteOf(organizationId, person.id);
      const allowed = live ? this.switches.reinvitePending === "fresh" : this.switches.reinviteAfterExpiry === "fresh";
      const replaceable = existing.status === "PENDING" && allowed;
      if (!replaceable) throw new ApiFailure(400, `Invalid request: Invitee has existing role in organization ${organizationId}`);
      if (live) live.state = "revoked";
      existing.role = role;
      existing.updatedAt = this.now().toISOString();
    } else {
      const at = this.now().toISOString();
      members.set(person.id, { userId: person.id, status: "PENDING", role, direct: noRoles(), createdAt: at, updatedAt: at });
    }
    const invite = this.issueInvite(organizationId, person.id, role, token);
    return { status: 200, body: this.inviteBody(invite, organization, person) };
  }

  deleteInvite(token: ApiToken, organizationId: string, inviteId: string): ApiResult {
    this.authorize(token, organizationId, "organization.users.delete");
    const invite = this.invites.get(inviteId);
    if (!invite || invite.organizationId !== organizationId || invite.state === "revoked") {
      throw new ApiFailure(404, `Invite ${inviteId} not found`);
    }
    const live = invite.state === "pending" && !this.isExpired(invite);
    if (!live && this.switches.deleteAfterAcceptance === "404") throw new ApiFailure(404, `Invite ${inviteId} not found`);
    if (invite.state === "pending") this.removePendingMember(organizationId, invite.userId);
    invite.state = "revoked";
    return { status: 204 };
  }

  listUsers(token: ApiToken, organizationId: string, query: URLSearchParams): ApiResult {
    this.authorize(token, organizationId, "organization.users.get");
    this.sweepExpired();
    const offset = integerParam(query, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = integerParam(query, "limit", 20, 1, 1000);
    // Filtered by workspace or Deployment: only the users with a role there, with their role lists filled.
    const workspaceId = query.get("workspaceId");
    const deploymentId = query.get("deploymentId");
    if (workspaceId !== null) this.workspace(organizationId, workspaceId);
    if (deploymentId !== null) this.deployment(organizationId, deploymentId);
    const onDeployment = (entry: { deploymentId: string }) => entry.deploymentId === deploymentId;
    const users = [...this.members(organizationId).values()]
      .map((member) => this.userBody(member, workspaceId === null && deploymentId === null ? "list" : "byId"))
      .filter((user) => workspaceId === null || user.workspaceRoles.some((entry) => entry.workspaceId === workspaceId))
      .filter((user) => deploymentId === null || user.deploymentRoles.some(onDeployment) || user.dagRoles.some(onDeployment))
      .sort((a, b) => a.username.localeCompare(b.username));
    return { status: 200, body: { limit, offset, totalCount: users.length, users: users.slice(offset, offset + limit) } };
  }

  getUser(token: ApiToken, organizationId: string, userId: string): ApiResult {
    this.authorize(token, organizationId, "organization.users.get");
    this.sweepExpired();
    return { status: 200, body: this.userBody(this.member(organizationId, userId), "byId") };
  }

  updateRoles(token: ApiToken, organizationId: string, userId: string, body: unknown): ApiResult {
    this.authorize(token, organizationId, "organization.userRoles.access");
    this.sweepExpired();
    const member = this.member(organizationId, userId);
    // The lists a body sends replace the person's direct ones; a list it omits is kept (as Astronomer's own
    // CLI relies on when it changes only the organization role).
    const { role, lists } = validateRolesBody(body);
    const scoped = ROLE_LISTS.some((list) => lists[list]?.length);
    const result = this.checkRoleLists(organizationId, lists, member.direct);
    if (member.status === "PENDING" && scoped && this.switches.workspaceRolesForPending === "reject") {
      throw new ApiFailure(400, `Invalid request: User ${userId} is not an active member of organization ${organizationId}`);
    }
    member.role = role;
    member.direct = result;
    member.updatedAt = this.now().toISOString();
    return { status: 200, body: { organizationRole: role, ...structuredClone(member.direct) } };
  }

  listWorkspaces(token: ApiToken, organizationId: string, query: URLSearchParams): ApiResult {
    this.authorize(token, organizationId, "organization.workspaces.get");
    const offset = integerParam(query, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = integerParam(query, "limit", 20, 1, 1000);
    const workspaces = [...this.workspaces.values()]
      .filter((workspace) => workspace.organizationId === organizationId)
      .sort((a, b) => a.name.localeCompare(b.name));
    return { status: 200, body: { limit, offset, totalCount: workspaces.length, workspaces: workspaces.slice(offset, offset + limit) } };
  }

  /** The organization's Deployments, filtered by `workspaceIds` and `deploymentIds` (repeated or comma-separated). */
  listDeployments(token: ApiToken, organizationId: string, query: URLSearchParams): ApiResult {
    this.authorize(token, organizationId, "organization.deployments.get");
    const offset = integerParam(query, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = integerParam(query, "limit", 20, 1, 1000);
    const listed = (name: string) => query.getAll(name).flatMap((value) => value.split(",").filter(Boolean));
    const [workspaceIds, deploymentIds] = [listed("workspaceIds"), listed("deploymentIds")];
    const deployments = [...this.deployments.values()]
      .filter((deployment) => deployment.organizationId === organizationId)
      .filter((deployment) => workspaceIds.length === 0 || workspaceIds.includes(deployment.workspaceId))
      .filter((deployment) => deploymentIds.length === 0 || deploymentIds.includes(deployment.id))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(({ id, name, workspaceId }) => ({ id, name, workspaceId }));
    return { status: 200, body: { limit, offset, totalCount: deployments.length, deployments: deployments.slice(offset, offset + limit) } };
  }

  getUserTeams(token: ApiToken, organizationId: string, userId: string): ApiResult {
    this.authorize(token, organizationId, "organization.teams.get");
    this.member(organizationId, userId);
    const teams = [...this.teams.values()]
      .filter((team) => team.organizationId === organizationId && team.members.has(userId))
      .map((team) => this.teamBody(team));
    return { status: 200, body: { limit: 1000, offset: 0, totalCount: teams.length, teams } };
  }

  getOrganization(token: ApiToken, organizationId: string): ApiResult {
    const organization = this.authorize(token, organizationId, "organization.get");
    return { status: 200, body: { ...organization } };
  }

  // ---- Teams ----------------------------------------------------------------------------------------

  listTeams(token: ApiToken, organizationId: string, query: URLSearchParams): ApiResult {
    this.authorize(token, organizationId, "organization.teams.get");
    const offset = integerParam(query, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = integerParam(query, "limit", 20, 1, 1000);
    // `names` filters by exact name; names are not unique (the reference does not say), so one may match several.
    const names = query.getAll("names");
    const teams = [...this.teams.values()]
      .filter((team) => team.organizationId === organizationId && (names.length === 0 || names.includes(team.name)))
      .sort((a, b) => a.name.localeCompare(b.name) || a.createdAt.localeCompare(b.createdAt))
      .map((team) => this.teamBody(team));
    return { status: 200, body: { limit, offset, totalCount: teams.length, teams: teams.slice(offset, offset + limit) } };
  }

  createTeam(token: ApiToken, organizationId: string, body: unknown): ApiResult {
    this.authorize(token, organizationId, "organization.teams.create");
    this.refuseWhileScim(organizationId);
    const input = validateTeamBody(body);
    const lists = validateRoleLists(body);
    const memberIds = validateMemberIds(input.memberIds);
    this.checkTeamMembers(organizationId, memberIds);
    const team = this.addTeam(organizationId, {
      name: input.name,
      description: input.description ?? "",
      organizationRole: input.organizationRole ?? "ORGANIZATION_MEMBER",
      memberIds,
      roles: lists,
      isIdpManaged: false,
    });
    return { status: 200, body: this.teamBody(team) };
  }

  getTeam(token: ApiToken, organizationId: string, teamId: string): ApiResult {
    this.authorize(token, organizationId, "organization.teams.get");
    return { status: 200, body: this.teamBody(this.team(organizationId, teamId)) };
  }

  /** Rename or describe: `name` is required, `description` replaced when sent. */
  updateTeam(token: ApiToken, organizationId: string, teamId: string, body: unknown): ApiResult {
    const team = this.writableTeam(token, organizationId, teamId, "organization.teams.update");
    const input = validateTeamBody(body, ["name", "description"]);
    team.name = input.name;
    if (input.description !== undefined) team.description = input.description;
    team.updatedAt = this.now().toISOString();
    return { status: 200, body: this.teamBody(team) };
  }

  deleteTeam(token: ApiToken, organizationId: string, teamId: string): ApiResult {
    this.writableTeam(token, organizationId, teamId, "organization.teams.delete");
    this.teams.delete(teamId);
    return { status: 204 };
  }

  listTeamMembers(token: ApiToken, organizationId: string, teamId: string, query: URLSearchParams): ApiResult {
    this.authorize(token, organizationId, "organization.teams.get");
    const team = this.team(organizationId, teamId);
    const offset = integerParam(query, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = integerParam(query, "limit", 20, 1, 1000);
    const members = [...team.members.entries()]
      .map(([userId, joinedAt]) => {
        const person = this.people.get(userId)!;
        return { userId, username: person.email, fullName: person.fullName, avatarUrl: person.avatarUrl, createdAt: joinedAt };
      })
      .sort((a, b) => a.username.localeCompare(b.username));
    return { status: 200, body: { limit, offset, totalCount: members.length, teamMembers: members.slice(offset, offset + limit) } };
  }

  /** Adds user ids (not emails) to the Team; ids already in it are left as they are. */
  addTeamMembers(token: ApiToken, organizationId: string, teamId: string, body: unknown): ApiResult {
    const team = this.writableTeam(token, organizationId, teamId, "organization.teams.update");
    const memberIds = validateMemberIds((body as { memberIds?: unknown } | undefined)?.memberIds, true);
    this.checkTeamMembers(organizationId, memberIds);
    const at = this.now().toISOString();
    for (const userId of memberIds) if (!team.members.has(userId)) team.members.set(userId, at);
    team.updatedAt = at;
    return { status: 204 };
  }

  removeTeamMember(token: ApiToken, organizationId: string, teamId: string, userId: string): ApiResult {
    const team = this.writableTeam(token, organizationId, teamId, "organization.teams.update");
    if (!team.members.delete(userId)) throw new ApiFailure(404, `User ${userId} is not a member of Team ${teamId}`);
    team.updatedAt = this.now().toISOString();
    return { status: 204 };
  }

  /** The Team's roles: `organizationRole` is required; each list sent replaces the Team's, one omitted is kept (as for users). */
  updateTeamRoles(token: ApiToken, organizationId: string, teamId: string, body: unknown): ApiResult {
    const team = this.writableTeam(token, organizationId, teamId, "organization.teams.update");
    const { role, lists } = validateRolesBody(body);
    team.roles = this.checkRoleLists(organizationId, lists, team.roles);
    team.organizationRole = role;
    team.updatedAt = this.now().toISOString();
    return { status: 200, body: { organizationRole: role, ...structuredClone(team.roles) } };
  }

  // ---- test controls ----------------------------------------------------------------------------

  /** A workspace of the organization. */
  createWorkspace(organizationId: string, name: string, id: string = cuid()): Workspace {
    this.members(organizationId);
    const workspace = { id, name, organizationId };
    this.workspaces.set(id, workspace);
    return workspace;
  }

  /** A Deployment in one of the organization's workspaces. */
  createDeployment(organizationId: string, workspaceId: string, name: string, id: string = cuid()): Deployment {
    this.workspace(organizationId, workspaceId);
    const deployment = { id, name, workspaceId, organizationId };
    this.deployments.set(id, deployment);
    return deployment;
  }

  /** A custom Deployment or DAG role of the organization: role lists name it by its id. */
  createCustomRole(organizationId: string, scope: CustomRole["scope"], id: string = cuid()): string {
    this.members(organizationId);
    this.customRoles.set(id, { id, scope, organizationId });
    return id;
  }

  /** The invitee accepts: their user becomes ACTIVE and the invite is gone. */
  acceptInvite(inviteId: string): void {
    const invite = this.invites.get(inviteId);
    if (!invite || invite.state !== "pending") throw new ApiFailure(404, `No pending invite ${inviteId}`);
    if (this.isExpired(invite)) throw new ApiFailure(400, `Invite ${inviteId} has expired`);
    invite.state = "accepted";
    const member = this.member(invite.organizationId, invite.userId);
    member.status = "ACTIVE";
    member.role = invite.role;
    member.updatedAt = this.now().toISOString();
  }

  /** Accepts the live invite of `email` in the organization. */
  acceptInviteOf(organizationId: string, email: string): void {
    const person = this.personByEmail(email);
    const live = person && this.liveInviteOf(organizationId, person.id);
    if (!live) throw new ApiFailure(404, `No pending invite for ${email} in ${organizationId}`);
    this.acceptInvite(live.id);
  }

  advanceClock(seconds: number): void {
    this.clockOffsetMs += seconds * 1000;
  }

  /** Someone changes a member's role in the Astro UI. */
  setRoleOutOfBand(organizationId: string, userId: string, role: string): void {
    const member = this.member(organizationId, userId);
    member.role = role;
    member.updatedAt = this.now().toISOString();
  }

  /** Someone grants a member roles of their own in the Astro UI: the lists given replace theirs. */
  grantDirectRoles(organizationId: string, userId: string, roles: Partial<RoleLists>): void {
    Object.assign(this.member(organizationId, userId).direct, structuredClone(roles));
  }

  /** The roles granted to the member themselves, not through a Team. */
  directRoles(organizationId: string, userId: string): RoleLists {
    return structuredClone(this.member(organizationId, userId).direct);
  }

  /** A Team in the organization with these members and roles, made in the Astro UI (or by the IdP, `isIdpManaged`). */
  seedTeam(organizationId: string, name: string, memberIds: string[], options: TeamOptions = {}): string {
    const { organizationRole, description, isIdpManaged, ...roles } = options;
    return this.addTeam(organizationId, {
      name,
      description: description ?? "",
      organizationRole: organizationRole ?? "ORGANIZATION_MEMBER",
      memberIds,
      roles,
      isIdpManaged: isIdpManaged ?? false,
    }).id;
  }

  /** Someone adds a member to a Team in the Astro UI (or the IdP does). */
  addTeamMemberOutOfBand(teamId: string, userId: string): void {
    const team = this.teams.get(teamId);
    if (!team) throw new ApiFailure(404, `Team ${teamId} not found`);
    this.member(team.organizationId, userId);
    team.members.set(userId, this.now().toISOString());
  }

  /** The organization's identity provider takes a Team over (or gives it back): its writes are refused from then on. */
  setTeamIdpManaged(teamId: string, managed: boolean): void {
    const team = this.teams.get(teamId);
    if (!team) throw new ApiFailure(404, `Team ${teamId} not found`);
    team.isIdpManaged = managed;
  }

  /** SCIM provisioning turned on or off for the organization. */
  setScimEnabled(organizationId: string, enabled: boolean): void {
    this.organization(organizationId).isScimEnabled = enabled;
  }

  /** Someone removes a member in the Astro UI (which the public API cannot do). */
  removeUserOutOfBand(organizationId: string, userId: string): void {
    this.member(organizationId, userId);
    this.members(organizationId).delete(userId);
    for (const team of this.teams.values()) if (team.organizationId === organizationId) team.members.delete(userId);
    for (const invite of this.invites.values()) {
      if (invite.organizationId === organizationId && invite.userId === userId && invite.state === "pending") {
        invite.state = "revoked";
      }
    }
  }

  /**
   * A member who joined without our invite (SSO just-in-time provisioning, the UI, the CLI). A PENDING one
   * has a live invite sent by someone in the Astro UI.
   */
  seedMember(organizationId: string, email: string, role: string, status: MemberStatus = "ACTIVE"): string {
    this.organization(organizationId);
    const person = this.personByEmail(email) ?? this.addPerson(email);
    const at = this.now().toISOString();
    this.members(organizationId).set(person.id, { userId: person.id, status, role, direct: noRoles(), createdAt: at, updatedAt: at });
    if (status === "PENDING") this.issueInvite(organizationId, person.id, role, this.uiUser);
    return person.id;
  }

  /** Everything, for tests, the demo and the admin endpoint. */
  snapshot() {
    this.sweepExpired();
    return {
      now: this.now().toISOString(),
      switches: this.switches,
      organizations: [...this.organizations.values()].map((organization) => ({
        ...organization,
        users: [...this.members(organization.id).values()].map((member) => this.userBody(member)),
        teams: [...this.teams.values()]
          .filter((team) => team.organizationId === organization.id)
          .map((team) => ({ ...this.teamBody(team), memberIds: [...team.members.keys()] })),
        invites: [...this.invites.values()]
          .filter((invite) => invite.organizationId === organization.id)
          .map((invite) => ({
            inviteId: invite.id,
            userId: invite.userId,
            email: this.people.get(invite.userId)?.email ?? "",
            role: invite.role,
            expiresAt: invite.expiresAt,
            state: invite.state === "pending" && this.isExpired(invite) ? "expired" : invite.state,
          })),
      })),
    };
  }

  // ---- internals ----------------------------------------------------------------------------------

  private members(organizationId: string): Map<string, Membership> {
    const members = this.memberships.get(organizationId);
    if (!members) throw new ApiFailure(404, `Organization ${organizationId} not found`);
    return members;
  }

  private member(organizationId: string, userId: string): Membership {
    const member = this.members(organizationId).get(userId);
    if (!member) throw new ApiFailure(404, `User ${userId} not found in organization ${organizationId}`);
    return member;
  }

  private workspace(organizationId: string, workspaceId: string): Workspace {
    const workspace = this.workspaces.get(workspaceId);
    if (!workspace || workspace.organizationId !== organizationId) {
      throw new ApiFailure(404, `Workspace ${workspaceId} not found in organization ${organizationId}`);
    }
    return workspace;
  }

  private deployment(organizationId: string, deploymentId: string): Deployment {
    const deployment = this.deployments.get(deploymentId);
    if (!deployment || deployment.organizationId !== organizationId) {
      throw new ApiFailure(404, `Deployment ${deploymentId} not found in organization ${organizationId}`);
    }
    return deployment;
  }

  private team(organizationId: string, teamId: string): Team {
    const team = this.teams.get(teamId);
    if (!team || team.organizationId !== organizationId)
      throw new ApiFailure(404, `Team ${teamId} not found in organization ${organizationId}`);
    return team;
  }

  /** A Team that a write may change: not while SCIM is on, and never one the identity provider manages. */
  private writableTeam(token: ApiToken, organizationId: string, teamId: string, permission: string): Team {
    this.authorize(token, organizationId, permission);
    const team = this.team(organizationId, teamId);
    this.refuseWhileScim(organizationId);
    if (team.isIdpManaged) {
      throw new ApiFailure(
        Number(this.switches.idpManagedTeamWrites),
        `Team ${teamId} is managed by the organization's identity provider and cannot be changed through the API`,
      );
    }
    return team;
  }

  private refuseWhileScim(organizationId: string): void {
    if (this.organizations.get(organizationId)?.isScimEnabled) {
      throw new ApiFailure(400, "Cannot create, update or delete a Team resource when SCIM is enabled");
    }
  }

  /** Team members must be users of the organization (400 naming each that is not); a PENDING one by the switch. */
  private checkTeamMembers(organizationId: string, userIds: string[]): void {
    const members = this.members(organizationId);
    const fieldErrors: FieldError[] = [];
    userIds.forEach((userId, i) => {
      const member = members.get(userId);
      if (!member) {
        fieldErrors.push({
          code: "notfound",
          field: `memberIds[${i}]`,
          message: `user ${userId} not found in organization ${organizationId}`,
        });
      } else if (member.status === "PENDING" && this.switches.pendingTeamMembers === "reject") {
        fieldErrors.push({ code: "pending", field: `memberIds[${i}]`, message: `user ${userId} has not accepted their invite yet` });
      }
    });
    if (fieldErrors.length) throw new ApiFailure(400, "Invalid request", fieldErrors);
  }

  private addTeam(
    organizationId: string,
    input: Pick<Team, "name" | "description" | "organizationRole" | "isIdpManaged"> & { memberIds: string[]; roles: Partial<RoleLists> },
  ): Team {
    this.organization(organizationId);
    const at = this.now().toISOString();
    const team: Team = {
      id: cuid(),
      organizationId,
      name: input.name,
      description: input.description,
      organizationRole: input.organizationRole,
      members: new Map(input.memberIds.map((userId) => [userId, at])),
      roles: { ...noRoles(), ...structuredClone(input.roles) },
      isIdpManaged: input.isIdpManaged,
      createdAt: at,
      updatedAt: at,
    };
    this.teams.set(team.id, team);
    return team;
  }

  /** A Team as the API shows it: its roles, never its members (only the members call lists those). */
  private teamBody(team: Team) {
    return {
      id: team.id,
      name: team.name,
      description: team.description,
      organizationId: team.organizationId,
      organizationRole: team.organizationRole,
      ...structuredClone(team.roles),
      isIdpManaged: team.isIdpManaged,
      createdAt: team.createdAt,
      updatedAt: team.updatedAt,
    };
  }

  private organization(organizationId: string): Organization {
    const organization = this.organizations.get(organizationId);
    if (!organization) throw new ApiFailure(404, `Organization ${organizationId} not found`);
    return organization;
  }

  /**
   * A roles POST's lists checked as Astro does (400 with fieldErrors), and what the subject holds after it:
   * the lists sent replace theirs, one omitted is kept. Every workspace and Deployment must be the
   * organization's, each listed once; a Deployment or DAG role must be built in or one of the organization's
   * custom roles; a DAG role names a dagId or a dagTag. Then the parents, by the switches: a workspace role
   * where a Deployment or DAG role is held (Astro adds WORKSPACE_ACCESSOR, or refuses), and a Deployment role
   * under each DAG role.
   */
  private checkRoleLists(organizationId: string, sent: Partial<RoleLists>, held: RoleLists): RoleLists {
    const fieldErrors: FieldError[] = [];
    const fail = (field: string, code: string, message: string) => fieldErrors.push({ code, field, message });
    const once = <T>(entries: T[], key: (entry: T) => string, list: string, field: string, what: (entry: T) => string) =>
      entries.forEach((entry, i) => {
        if (entries.findIndex((other) => key(other) === key(entry)) !== i)
          fail(`${list}[${i}].${field}`, "unique", `${what(entry)} is listed twice`);
      });
    (sent.workspaceRoles ?? []).forEach(({ workspaceId }, i) => {
      const workspace = this.workspaces.get(workspaceId);
      if (!workspace || workspace.organizationId !== organizationId)
        fail(`workspaceRoles[${i}].workspaceId`, "notfound", `workspace ${workspaceId} not found`);
    });
    once(
      sent.workspaceRoles ?? [],
      (e) => e.workspaceId,
      "workspaceRoles",
      "workspaceId",
      (e) => `workspace ${e.workspaceId}`,
    );
    const knownDeployment = (deploymentId: string, field: string) => {
      if (this.deployments.get(deploymentId)?.organizationId !== organizationId)
        fail(field, "notfound", `deployment ${deploymentId} not found`);
    };
    const knownRole = (role: string, builtIn: readonly string[], scope: CustomRole["scope"], field: string) => {
      const custom = this.customRoles.get(role);
      if (builtIn.includes(role) || (custom?.scope === scope && custom.organizationId === organizationId)) return;
      fail(field, "oneof", `role must be one of ${builtIn.join(" ")} or a custom ${scope} role of the organization, got ${role}`);
    };
    (sent.deploymentRoles ?? []).forEach(({ deploymentId, role }, i) => {
      knownDeployment(deploymentId, `deploymentRoles[${i}].deploymentId`);
      knownRole(role, DEPLOYMENT_ROLES, "DEPLOYMENT", `deploymentRoles[${i}].role`);
    });
    once(
      sent.deploymentRoles ?? [],
      (e) => e.deploymentId,
      "deploymentRoles",
      "deploymentId",
      (e) => `deployment ${e.deploymentId}`,
    );
    const dagKey = (entry: RoleLists["dagRoles"][number]) => `${entry.deploymentId}/${entry.dagId ?? ""}/${entry.dagTag ?? ""}`;
    (sent.dagRoles ?? []).forEach((entry, i) => {
      knownDeployment(entry.deploymentId, `dagRoles[${i}].deploymentId`);
      knownRole(entry.role, DAG_ROLES, "DAG", `dagRoles[${i}].role`);
      if ((entry.dagId === undefined) === (entry.dagTag === undefined))
        fail(`dagRoles[${i}]`, "oneof", "a DAG role names one of dagId and dagTag");
    });
    once(sent.dagRoles ?? [], dagKey, "dagRoles", "dagId", (e) => `DAG ${e.dagId ?? `tag ${e.dagTag}`} of deployment ${e.deploymentId}`);
    if (fieldErrors.length) throw new ApiFailure(400, "Invalid request", fieldErrors);

    const result: RoleLists = { ...structuredClone(held), ...structuredClone(sent) };
    result.dagRoles.forEach(({ deploymentId }, i) => {
      const parented = result.deploymentRoles.some((e) => e.deploymentId === deploymentId);
      if (parented || this.switches.dagRoleWithoutDeploymentRole === "accept" || !this.deployments.has(deploymentId)) return;
      fail(`dagRoles[${i}].deploymentId`, "parent", `a DAG role needs a Deployment role on deployment ${deploymentId}`);
    });
    const scoped = [
      ...result.deploymentRoles.map((e, i) => ({ ...e, field: `deploymentRoles[${i}]` })),
      ...result.dagRoles.map((e, i) => ({ ...e, field: `dagRoles[${i}]` })),
    ];
    for (const { deploymentId, field } of scoped) {
      // A role the subject already held on a Deployment the emulator was not told of (a seeded one) is left be.
      const workspaceId = this.deployments.get(deploymentId)?.workspaceId;
      if (!workspaceId || result.workspaceRoles.some((entry) => entry.workspaceId === workspaceId)) continue;
      if (this.switches.scopedRoleWithoutWorkspaceRole === "addAccessor")
        result.workspaceRoles.push({ workspaceId, role: "WORKSPACE_ACCESSOR" });
      else fail(`${field}.deploymentId`, "parent", `no role in workspace ${workspaceId}, the workspace of deployment ${deploymentId}`);
    }
    if (fieldErrors.length) throw new ApiFailure(400, "Invalid request", fieldErrors);
    return result;
  }

  private personByEmail(email: string): Person | undefined {
    return this.peopleByEmail.get(emailKey(email));
  }

  private addPerson(email: string): Person {
    const person = { id: cuid(), email, fullName: "", avatarUrl: "" };
    this.people.set(person.id, person);
    this.peopleByEmail.set(emailKey(email), person);
    return person;
  }

  private liveInviteOf(organizationId: string, userId: string): EmulatedInvite | undefined {
    for (const invite of this.invites.values()) {
      if (invite.organizationId === organizationId && invite.userId === userId && invite.state === "pending" && !this.isExpired(invite)) {
        return invite;
      }
    }
    return undefined;
  }

  private issueInvite(organizationId: string, userId: string, role: string, inviter: ApiToken): EmulatedInvite {
    const invite: EmulatedInvite = {
      id: cuid(),
      organizationId,
      userId,
      role,
      expiresAt: new Date(this.now().getTime() + this.switches.inviteLifetimeSeconds * 1000).toISOString(),
      state: "pending",
      inviter,
    };
    this.invites.set(invite.id, invite);
    return invite;
  }

  private isExpired(invite: EmulatedInvite): boolean {
    return invite.state === "pending" && Date.parse(invite.expiresAt) <= this.now().getTime();
  }

  private removePendingMember(organizationId: string, userId: string): void {
    const members = this.members(organizationId);
    if (members.get(userId)?.status === "PENDING") members.delete(userId);
  }

  /** With pendingAfterExpiry "remove", a pending user whose invite expired leaves the organization. */
  private sweepExpired(): void {
    if (this.switches.pendingAfterExpiry !== "remove") return;
    for (const invite of this.invites.values()) {
      if (this.isExpired(invite) && !this.liveInviteOf(invite.organizationId, invite.userId)) {
        this.removePendingMember(invite.organizationId, invite.userId);
      }
    }
  }

  /** A user as the API shows them; read by id (or filtered by workspace), with their role lists (and their Teams', by the switch). */
  private userBody(member: Membership, read: "list" | "byId" = "list") {
    const person = this.people.get(member.userId);
    if (!person) throw new Error(`emulator: membership without a person (${member.userId})`);
    const roles = read === "list" ? noRoles() : structuredClone(member.direct);
    if (read === "byId" && this.switches.teamGrantsInUserRead) {
      for (const team of this.teams.values()) {
        if (!team.members.has(member.userId)) continue;
        for (const list of ROLE_LISTS) (roles[list] as unknown[]).push(...structuredClone(team.roles[list]));
      }
    }
    return {
      id: person.id,
      username: person.email,
      fullName: person.fullName,
      avatarUrl: person.avatarUrl,
      status: member.status,
      organizationRole: member.role,
      ...roles,
      createdAt: member.createdAt,
      updatedAt: member.updatedAt,
    };
  }

  private inviteBody(invite: EmulatedInvite, organization: Organization, person: Person) {
    return {
      inviteId: invite.id,
      expiresAt: invite.expiresAt,
      invitee: { id: person.id, subjectType: "USER", username: person.email, fullName: person.fullName, avatarUrl: person.avatarUrl },
      inviter: { id: invite.inviter.id, subjectType: "SERVICEKEY", apiTokenName: invite.inviter.name },
      organizationId: organization.id,
      organizationName: organization.name,
      userId: person.id,
    };
  }
}

function validateInviteBody(body: unknown): { inviteeEmail: string; role: string } {
  const { inviteeEmail, role } = (body ?? {}) as { inviteeEmail?: unknown; role?: unknown };
  const fieldErrors: FieldError[] = [];
  if (typeof inviteeEmail !== "string" || !EMAIL_SHAPE.test(inviteeEmail)) {
    fieldErrors.push({ code: "email", field: "inviteeEmail", message: "inviteeEmail must be a valid email address" });
  }
  if (typeof role !== "string" || !isOrganizationRole(role)) {
    fieldErrors.push({ code: "oneof", field: "role", message: `role must be one of ${ORGANIZATION_ROLES.join(" ")}` });
  }
  if (fieldErrors.length) throw new ApiFailure(400, "Invalid request", fieldErrors);
  return { inviteeEmail: inviteeEmail as string, role: role as string };
}

/** A Team's create or update body: `name` required; `description`, and at create `organizationRole` and `memberIds`. */
function validateTeamBody(
  body: unknown,
  allowed = ["name", "description", "organizationRole", "memberIds", ...ROLE_LISTS],
): { name: string; description?: string; organizationRole?: string; memberIds?: unknown } {
  const input = (body ?? {}) as Record<string, unknown>;
  const fieldErrors: FieldError[] = [];
  if (typeof input.name !== "string" || input.name.trim() === "") {
    fieldErrors.push({ code: "required", field: "name", message: "name is required" });
  }
  if (input.description !== undefined && typeof input.description !== "string") {
    fieldErrors.push({ code: "string", field: "description", message: "description must be a string" });
  }
  const role = input.organizationRole;
  if (allowed.includes("organizationRole") && role !== undefined && (typeof role !== "string" || !isOrganizationRole(role))) {
    fieldErrors.push({
      code: "oneof",
      field: "organizationRole",
      message: `organizationRole must be one of ${ORGANIZATION_ROLES.join(" ")}`,
    });
  }
  for (const key of Object.keys(input).filter((key) => !allowed.includes(key))) {
    fieldErrors.push({ code: "unknown", field: key, message: `${key} is not a field of this request` });
  }
  if (fieldErrors.length) throw new ApiFailure(400, "Invalid request", fieldErrors);
  return input as { name: string; description?: string; organizationRole?: string; memberIds?: unknown };
}

/** A body's `memberIds`: user ids (not emails), each once. */
function validateMemberIds(value: unknown, required = false): string[] {
  if (value === undefined && !required) return [];
  if (!Array.isArray(value) || (required && value.length === 0) || !value.every((id) => typeof id === "string")) {
    const what = required ? "a non-empty list of user ids" : "a list of user ids";
    throw new ApiFailure(400, "Invalid request", [{ code: "list", field: "memberIds", message: `memberIds must be ${what}` }]);
  }
  const repeated = value.findIndex((id, i) => value.indexOf(id) !== i);
  if (repeated >= 0) {
    throw new ApiFailure(400, "Invalid request", [
      { code: "unique", field: `memberIds[${repeated}]`, message: `user ${value[repeated]} is listed twice` },
    ]);
  }
  return value as string[];
}

/** A roles POST's body, a user's or a Team's: the organization role it requires, and the lists it sends. */
function validateRolesBody(body: unknown): { role: string; lists: Partial<RoleLists> } {
  const role = (body as { organizationRole?: unknown } | undefined)?.organizationRole;
  if (typeof role !== "string" || !isOrganizationRole(role)) {
    throw new ApiFailure(400, "Invalid request", [
      { code: "oneof", field: "organizationRole", message: `organizationRole must be one of ${ORGANIZATION_ROLES.join(" ")}` },
    ]);
  }
  return { role, lists: validateRoleLists(body) };
}

/** The role lists a roles POST sends, each checked as the API does (400 with fieldErrors). */
function validateRoleLists(body: unknown): Partial<RoleLists> {
  const input = (body ?? {}) as Record<string, unknown>;
  const lists: Partial<RoleLists> = {};
  const fieldErrors: FieldError[] = [];
  for (const list of ROLE_LISTS) {
    const entries = input[list];
    if (entries === undefined) continue;
    const valid = Array.isArray(entries) && entries.every((entry) => typeof entry?.role === "string");
    const badWorkspaceRole =
      list === "workspaceRoles" &&
      valid &&
      entries.some((entry) => !(WORKSPACE_ROLES as readonly string[]).includes(entry.role) || typeof entry.workspaceId !== "string");
    const noDeployment = list !== "workspaceRoles" && valid && entries.some((entry) => typeof entry.deploymentId !== "string");
    if (!valid || badWorkspaceRole || noDeployment) {
      fieldErrors.push({
        code: "oneof",
        field: list,
        message: `${list} must be a list of roles (workspace roles: ${WORKSPACE_ROLES.join(" ")}; Deployment and DAG roles name their deploymentId)`,
      });
    } else {
      (lists as Record<string, unknown>)[list] = structuredClone(entries);
    }
  }
  if (fieldErrors.length) throw new ApiFailure(400, "Invalid request", fieldErrors);
  return lists;
}

function integerParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ApiFailure(400, "Invalid request", [
      { code: "range", field: name, message: `${name} must be an integer from ${min} to ${max}` },
    ]);
  }
  return value;
}
