import axios, { AxiosInstance, isAxiosError } from "axios";
import { z } from "zod";
import { VERSION } from "../version";
import { AstroApiError, CreateOutcomeUnknownError, Operation, ResponseShapeError } from "./errors";
import { ASTRO_RATE_LIMITS, PacedMethod, RateLimits, fingerprint, processPacer } from "./pacing";
import {
  DEFAULT_RETRY,
  RETRYABLE_NETWORK_CODES,
  RETRYABLE_STATUSES,
  RetryOptions,
  backoffDelayMs,
  mayHaveReachedServer,
  parseRetryAfterMs,
} from "./retry";
import {
  ASTRO_ID,
  Deployment,
  DeploymentsPageSchema,
  ErrorBodySchema,
  Invite,
  InviteSchema,
  Organization,
  OrganizationSchema,
  RoleLists,
  SubjectRoles,
  SubjectRolesSchema,
  Team,
  TeamMember,
  TeamMembersPageSchema,
  TeamSchema,
  TeamsPageSchema,
  User,
  UserSchema,
  UsersPageSchema,
  Workspace,
  WorkspacesPageSchema,
  describeShapeProblem,
  emailKey,
} from "./schemas";
import { DEFAULT_API_URL, apiUrlProblem, normalizeApiUrl } from "./url";

export interface AstroClientOptions {
  /** An Astro Organization API token. Kept in memory only. */
  token: string;
  /** Defaults to https://api.astronomer.io/v1. http is refused except on loopback hosts. */
  baseUrl?: string;
  retry?: Partial<RetryOptions>;
  /** Client-side pacing per (base URL, token); `false` turns it off. Defaults to Astro's documented limits. */
  rateLimits?: Partial<RateLimits> | false;
  /** Receives one line per attempt (method, path, outcome, duration) and per retry wait. Never the token. */
  log?: (line: string) => void;
}

/** What creating an invite came to. The API is not idempotent, so the caller learns what really exists. */
export type CreateInviteResult =
  | { outcome: "created"; invite: Invite }
  /** The API refused: the email already has a role in the organization (a member, or a pending invitee). */
  | { outcome: "alreadyMember"; user: User }
  /** A create attempt may have reached the server; instead of posting again, the invitee was found. */
  | { outcome: "foundAfterAmbiguousFailure"; user: User };

export type DeleteInviteResult = "deleted" | "alreadyGone";

/** A Team to create: its members by user id (the API takes no emails). */
export interface NewTeam {
  name: string;
  description?: string;
  organizationRole?: string;
  memberIds?: string[];
}

/** Which users a walk lists: all of the organization's, or those with a role in one workspace (role lists filled). */
/** A users list filtered to one workspace's or one Deployment's users: their role lists are filled. */
export interface UsersFilter {
  workspaceId?: string;
  deploymentId?: string;
}

/** The largest answer the client reads; anything bigger is a misbehaving server, not an organization. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** The largest page the users list serves. The API may serve fewer: walks step by what arrived. */
export const LIST_PAGE_SIZE = 1000;
/** A users list that goes on past this is a server misbehaving; the walk stops with an error. */
const MAX_LISTED_USERS = 250_000;

/** The operations that add users to the users list or remove them from it (listUsers accounts for them). */
const MEMBERSHIP_WRITES: Operation[] = ["createInvite", "deleteInvite"];

/** Astro answers this (400) when the invitee already has a role in the organization. */
const EXISTING_ROLE_MESSAGE = /existing role in organization/i;

interface Request {
  operation: Operation;
  method: PacedMethod;
  path: string;
  body?: unknown;
}

type Attempt =
  | { kind: "response"; status: number; body: string; retryAfter?: string }
  /** No usable answer: a connection failure, a deadline (ETIMEDOUT) or an oversized body (BODY_TOO_LARGE). */
  | { kind: "network"; code: string };

/** What an operation makes of one attempt: its result, another attempt, or the attempt's failure. */
type Verdict<T> = { done: T } | "retry" | "fail";

/** The Astro API v1 operations that organization invites need, over HTTP with retries and pacing. */
export class AstroClient {
  readonly baseUrl: string;
  // True private fields: util.inspect, JSON.stringify, error serializers and debuggers' object dumps do not
  // show them, and the axios instance holds the token in its default Authorization header.
  readonly #http: AxiosInstance;
  readonly #token: string;
  private readonly retry: RetryOptions;
  private readonly rateLimits: RateLimits | undefined;
  private readonly log: (line: string) => void;
  /** Write requests (POST, DELETE) begun and not yet settled: waiting their turn, sent, or being retried. */
  private writes = 0;
  /**
   * Attempts that may add users to the users list or remove them (invites, revocations), counted from
   * when they are sent (not while they wait their turn under pacing): begun, and not yet answered.
   */
  private readonly membershipWrites = { begun: 0, underWay: 0 };
  private readonly writeSettledListeners = new Set<() => void>();

  constructor(options: AstroClientOptions) {
    const baseUrl = normalizeApiUrl(options.baseUrl ?? DEFAULT_API_URL);
    const problem = apiUrlProblem(baseUrl);
    if (problem) throw new Error(`Astro API base URL ${problem}`);
    if (!options.token) throw new Error("An Astro API token is required");
    this.baseUrl = baseUrl;
    this.#token = options.token;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.rateLimits = options.rateLimits === false ? undefined : { ...ASTRO_RATE_LIMITS, ...options.rateLimits };
    this.log = options.log ?? (() => undefined);
    this.#http = axios.create({
      baseURL: baseUrl,
      // Redirects could carry the Authorization header to another host.
      maxRedirects: 0,
      maxContentLength: MAX_BODY_BYTES,
      responseType: "text",
      transformResponse: (data: unknown) => data,
      validateStatus: () => true,
      headers: {
        Authorization: `Bearer ${options.token}`,
        "User-Agent": `pulumi-astro-invites/${VERSION}`,
        Accept: "application/json",
      },
    });
  }

  /**
   * Invites `email` with `role`. Never posts twice blindly: after an attempt that may have reached the
   * server it looks the invitee up first, and reports them if they exist. When the outcome cannot be
   * learned (the lookup fails too, or finds no one after an attempt that cannot be retried), it says so
   * (CreateOutcomeUnknownError) rather than guess. The steps are those of CREATE_STEPS below.
   */
  async createInvite(
    organizationId: string,
    email: string,
    role: string,
    /** How the invitee is looked up after an ambiguous attempt; the lifecycle shares its directory's walks. */
    findInvitee: () => Promise<User | undefined> = () => this.findUserByEmail(organizationId, email),
  ): Promise<CreateInviteResult> {
    const request: Request = {
      operation: "createInvite",
      method: "POST",
      path: this.path("organizations", organizationId, "invites"),
      body: { inviteeEmail: email, role },
    };
    /** The last attempt that may have reached the server, described; set once the invite may exist. */
    let mayExist: string | undefined;
    const unknown = (cause: unknown) => new CreateOutcomeUnknownError(email, mayExist!, cause);
    const lookUp = async (): Promise<User | undefined> => {
      try {
        return await findInvitee();
      } catch (error) {
        throw mayExist ? unknown(error) : error;
      }
    };
    return this.send(request, async (attempt): Promise<Verdict<CreateInviteResult>> => {
      const signal = createSignal(attempt);
      switch (signal.kind) {
        case "created":
          return { done: { outcome: "created", invite: this.inviteFor(organizationId, email, signal.invite) } };
        case "notReached":
          return "retry";
        case "refused":
          return "fail";
        case "existingRole": {
          const user = await lookUp();
          // After an ambiguous attempt, the role the API complains about is most likely our own invite.
          if (user) return { done: mayExist ? { outcome: "foundAfterAmbiguousFailure", user } : { outcome: "alreadyMember", user } };
          if (mayExist) throw unknown(new Error(`the API says ${email} has a role, but the users list does not show them yet`));
          return "fail";
        }
        case "mayExist": {
          mayExist = signal.attempt;
          const user = await lookUp();
          if (user) return { done: { outcome: "foundAfterAmbiguousFailure", user } };
          if (!signal.retryable) throw unknown(new Error(`${email} is not in the users list, and the attempt cannot be retried`));
          return "retry";
        }
      }
    });
  }

  /** Revokes a pending invite. A 404 means it is gone already (accepted, expired or revoked). */
  async deleteInvite(organizationId: string, inviteId: string): Promise<DeleteInviteResult> {
    const request: Request = {
      operation: "deleteInvite",
      method: "DELETE",
      path: this.path("organizations", organizationId, "invites", inviteId),
    };
    return this.send(request, (attempt) =>
      accept<DeleteInviteResult>(attempt, { 200: () => "deleted", 204: () => "deleted", 404: () => "alreadyGone" }),
    );
  }

  /** The organization's user with this id, or undefined when the organization has no such user. */
  async getUser(organizationId: string, userId: string): Promise<User | undefined> {
    const request: Request = { operation: "getUser", method: "GET", path: this.path("organizations", organizationId, "users", userId) };
    return this.send(request, (attempt) =>
      accept(attempt, { 200: (body) => this.parse(request.operation, UserSchema, body), 404: () => undefined }),
    );
  }

  /**
   * The organization's users, a page at a time (the largest pages the API serves), each user once, ending
   * on an empty or short page, a page with no user it has not seen, or the reported total; past
   * MAX_LISTED_USERS it fails rather than go on.
   *
   * Why a walk can prove someone absent: the list is paged by offset, so a user removed in front of the
   * next offset moves every later user one place up, and the one at the page boundary would be skipped.
   * The walk therefore steps by the page that arrived less every invite or revocation of this client
   * that was under way or began since that page was asked for (each moves a boundary by at most one):
   * a user may be read twice (and is reported once), never skipped. The reported total is trusted as the
   * end only when no such request overlapped the page. Changes made by others while the list is read are
   * beyond what any walk can prove, which is why the directory confirms a known user id by GET.
   */
  async *listUsers(organizationId: string, filter: UsersFilter = {}): AsyncGenerator<{ users: User[]; totalCount: number }> {
    const seen = new Set<string>();
    for (let offset = 0; ;) {
      const before = { ...this.membershipWrites };
      const page = await this.getUsersPage(organizationId, offset, filter);
      const fresh = page.users.filter((user) => !seen.has(user.id));
      for (const user of fresh) seen.add(user.id);
      if (fresh.length > 0) yield { users: fresh, totalCount: page.totalCount };
      const short = page.users.length < Math.min(LIST_PAGE_SIZE, page.limit);
      if (fresh.length === 0 || short) return;
      // Read after the consumer is done with the page: what it did meanwhile counts too.
      const moved = before.underWay + (this.membershipWrites.begun - before.begun);
      offset += Math.max(1, page.users.length - moved);
      if (moved === 0 && offset >= page.totalCount) return;
      if (seen.size >= MAX_LISTED_USERS) {
        throw new AstroApiError({
          operation: "listUsers",
          status: 200,
          apiMessage: `the users list of organization ${organizationId} goes on past ${MAX_LISTED_USERS} users (it reports ${page.totalCount}); stopped walking it`,
        });
      }
    }
  }

  /** Walks the organization's users for this email, ignoring case; stops at the page that has it. */
  async findUserByEmail(organizationId: string, email: string): Promise<User | undefined> {
    const wanted = emailKey(email);
    for await (const { users } of this.listUsers(organizationId)) {
      const match = users.find((user) => emailKey(user.username) === wanted);
      if (match) return match;
    }
    return undefined;
  }

  /**
   * Sets a user's organization role, sending only `organizationRole`. A user read by id may list roles
   * their Teams grant beside their own (astronomer/terraform-provider-astro#152: a direct and a team role
   * on one deployment in one read), so sending the read lists back could make a Team's grant the
   * person's own (it would outlive their leaving the Team) or fail on the duplicate. Astronomer's own CLI
   * changes an organization role with this same body, which works only because the API keeps the lists a
   * body omits (see ../shared/reference/astro-api.md, "Behaviour that is NOT known").
   */
  async updateOrganizationRole(organizationId: string, userId: string, role: string): Promise<void> {
    const request: Request = {
      operation: "updateRoles",
      method: "POST",
      path: this.path("organizations", organizationId, "users", userId, "roles"),
      body: { organizationRole: role },
    };
    await this.send(request, (attempt) => accept(attempt, { 200: (body) => this.parse(request.operation, SubjectRolesSchema, body) }));
  }

  /**
   * Sets a user's roles below the organization. Each list sent replaces the person's list, so it must hold
   * every role of that kind they keep (the caller leaves out what their Teams grant: see
   * updateOrganizationRole); a list the body omits is kept. The API requires the organization role beside
   * them (the v1 spec). Answers the person's lists as Astro holds them after the change (what it added
   * by itself included).
   */
  async updateUserRoles(organizationId: string, userId: string, roles: { organizationRole: string } & RoleLists): Promise<SubjectRoles> {
    const request: Request = {
      operation: "updateRoles",
      method: "POST",
      path: this.path("organizations", organizationId, "users", userId, "roles"),
      body: roles,
    };
    return this.send(request, (attempt) => accept(attempt, { 200: (body) => this.parse(request.operation, SubjectRolesSchema, body) }));
  }

  /** The Teams a user belongs to, with the workspace roles each grants. */
  async getUserTeams(organizationId: string, userId: string): Promise<Team[]> {
    const request: Request = {
      operation: "getUserTeams",
      method: "GET",
      path: `${this.path("organizations", organizationId, "users", userId, "teams")}?limit=${LIST_PAGE_SIZE}`,
    };
    const page = await this.send(request, (attempt) =>
      accept(attempt, { 200: (body) => this.parse(request.operation, TeamsPageSchema, body) }),
    );
    return page.teams;
  }

  /** The organization's workspaces (id and name), every page. */
  async listWorkspaces(organizationId: string): Promise<Workspace[]> {
    return this.everyPage(
      "listWorkspaces",
      this.path("organizations", organizationId, "workspaces"),
      WorkspacesPageSchema,
      (page) => page.workspaces,
    );
  }

  /** The organization's Deployments (id, name and workspace), every page; only these ids when given. */
  async listDeployments(organizationId: string, deploymentIds: string[] = []): Promise<Deployment[]> {
    const query = deploymentIds.map((id) => `&deploymentIds=${this.id(id)}`).join("");
    return this.everyPage(
      "listDeployments",
      this.path("organizations", organizationId, "deployments"),
      DeploymentsPageSchema,
      (page) => page.deployments,
      query,
    );
  }

  /** The organization: its name, and whether SCIM provisioning from its identity provider is on. */
  async getOrganization(organizationId: string): Promise<Organization> {
    const request: Request = { operation: "getOrganization", method: "GET", path: this.path("organizations", organizationId) };
    return this.send(request, (attempt) => accept(attempt, { 200: (body) => this.parse(request.operation, OrganizationSchema, body) }));
  }

  /** The organization's Teams, every page; with `names`, only those of these exact names (names are not known to be unique). */
  async listTeams(organizationId: string, names: string[] = []): Promise<Team[]> {
    const filter = names.map((name) => `&names=${encodeURIComponent(name)}`).join("");
    return this.everyPage("listTeams", this.path("organizations", organizationId, "teams"), TeamsPageSchema, (page) => page.teams, filter);
  }

  /** The Team with this id, or undefined when the organization has none. Its members are listTeamMembers'. */
  async getTeam(organizationId: string, teamId: string): Promise<Team | undefined> {
    const request: Request = { operation: "getTeam", method: "GET", path: this.path("organizations", organizationId, "teams", teamId) };
    return this.send(request, (attempt) =>
      accept(attempt, { 200: (body) => this.parse(request.operation, TeamSchema, body), 404: () => undefined }),
    );
  }

  /**
   * Creates a Team. The API is not idempotent: an attempt that may have reached Astro is never sent again
   * (the error says so), so that the caller can look the Team up by name rather than make a second one.
   */
  async createTeam(organizationId: string, team: NewTeam): Promise<Team> {
    const request: Request = {
      operation: "createTeam",
      method: "POST",
      path: this.path("organizations", organizationId, "teams"),
      body: team,
    };
    return this.send(request, (attempt) => {
      if (attempt.kind === "response" && attempt.status === 200) return { done: this.parse(request.operation, TeamSchema, attempt.body) };
      const retryable = retryableFailure(attempt);
      return retryable && !mayHaveReachedServer(retryable) ? "retry" : "fail";
    });
  }

  /** Renames or describes a Team (`name` is required by the API; `description` replaced when given). */
  async updateTeam(organizationId: string, teamId: string, change: { name: string; description?: string }): Promise<Team> {
    const request: Request = {
      operation: "updateTeam",
      method: "POST",
      path: this.path("organizations", organizationId, "teams", teamId),
      body: change,
    };
    return this.send(request, (attempt) => accept(attempt, { 200: (body) => this.parse(request.operation, TeamSchema, body) }));
  }

  /** Deletes a Team. A 404 means it is gone already. */
  async deleteTeam(organizationId: string, teamId: string): Promise<"deleted" | "alreadyGone"> {
    const request: Request = {
      operation: "deleteTeam",
      method: "DELETE",
      path: this.path("organizations", organizationId, "teams", teamId),
    };
    return this.send(request, (attempt) => accept(attempt, { 204: () => "deleted" as const, 404: () => "alreadyGone" as const }));
  }

  /** A Team's members (user id and email), every page. */
  async listTeamMembers(organizationId: string, teamId: string): Promise<TeamMember[]> {
    const path = this.path("organizations", organizationId, "teams", teamId, "members");
    return this.everyPage("listTeamMembers", path, TeamMembersPageSchema, (page) => page.teamMembers);
  }

  /** Adds organization users (by id, not email) to a Team; adding one who is in it already changes nothing. */
  async addTeamMembers(organizationId: string, teamId: string, userIds: string[]): Promise<void> {
    const request: Request = {
      operation: "addTeamMembers",
      method: "POST",
      path: this.path("organizations", organizationId, "teams", teamId, "members"),
      body: { memberIds: userIds },
    };
    await this.send(request, (attempt) => accept(attempt, { 200: () => undefined, 204: () => undefined }));
  }

  /** Removes a member from a Team. A 404 means they are not in it (any more). */
  async removeTeamMember(organizationId: string, teamId: string, userId: string): Promise<"removed" | "alreadyGone"> {
    const request: Request = {
      operation: "removeTeamMember",
      method: "DELETE",
      path: this.path("organizations", organizationId, "teams", teamId, "members", userId),
    };
    return this.send(request, (attempt) => accept(attempt, { 204: () => "removed" as const, 404: () => "alreadyGone" as const }));
  }

  /**
   * Sets a Team's roles: `organizationRole` is required by the API; each list sent replaces the Team's,
   * and, as for users, a list the body omits is taken to be kept. Answers the roles the Team holds after it.
   */
  async updateTeamRoles(organizationId: string, teamId: string, roles: { organizationRole: string } & RoleLists): Promise<SubjectRoles> {
    const request: Request = {
      operation: "updateTeamRoles",
      method: "POST",
      path: this.path("organizations", organizationId, "teams", teamId, "roles"),
      body: roles,
    };
    return this.send(request, (attempt) => accept(attempt, { 200: (body) => this.parse(request.operation, SubjectRolesSchema, body) }));
  }

  /** Every item of a paged list (offset and limit, the largest pages the API serves), up to its reported total. */
  private async everyPage<P extends { totalCount: number }, T>(
    operation: Operation,
    path: string,
    schema: z.ZodType<P>,
    itemsOf: (page: P) => T[],
    query = "",
  ): Promise<T[]> {
    const items: T[] = [];
    for (;;) {
      const request: Request = { operation, method: "GET", path: `${path}?offset=${items.length}&limit=${LIST_PAGE_SIZE}${query}` };
      const page = await this.send(request, (attempt) => accept(attempt, { 200: (body) => this.parse(operation, schema, body) }));
      items.push(...itemsOf(page));
      if (itemsOf(page).length === 0 || items.length >= page.totalCount) return items;
    }
  }

  /** Write requests under way. Each that settles lets the engine start another step (api/directory.ts waits on them). */
  get writesUnderWay(): number {
    return this.writes;
  }

  /** Calls `listener` each time a write request settles, answered or failed. */
  onWriteSettled(listener: () => void): void {
    this.writeSettledListeners.add(listener);
  }

  private async getUsersPage(organizationId: string, offset: number, filter: UsersFilter) {
    const scope = Object.entries(filter)
      .flatMap(([name, id]) => (id === undefined ? [] : [`&${name}=${this.id(id)}`]))
      .join("");
    const request: Request = {
      operation: "listUsers",
      method: "GET",
      path: `${this.path("organizations", organizationId, "users")}?offset=${offset}&limit=${LIST_PAGE_SIZE}${scope}`,
    };
    return this.send(request, (attempt) => accept(attempt, { 200: (body) => this.parse(request.operation, UsersPageSchema, body) }));
  }

  /** Sends a request through the retry loop, counting writes under way from their turn in the pacing queue to their end. */
  private async send<T>(request: Request, judge: (attempt: Attempt) => Verdict<T> | Promise<Verdict<T>>): Promise<T> {
    if (request.method === "GET") return this.attemptUntilDone(request, judge);
    this.writes++;
    try {
      return await this.attemptUntilDone(request, judge);
    } finally {
      this.writes--;
      this.writeSettledListeners.forEach((listener) => listener());
    }
  }

  /**
   * The one retry loop: attempts until `judge` accepts one, retrying what it hands back within the
   * attempt and time budgets. The time budget starts with the first attempt sent (a request waiting its
   * turn under client-side pacing has not begun yet) and bounds every attempt's deadline too.
   */
  private async attemptUntilDone<T>(request: Request, judge: (attempt: Attempt) => Verdict<T> | Promise<Verdict<T>>): Promise<T> {
    await this.pace(request);
    const deadline = Date.now() + this.retry.maxElapsedMs;
    for (let number = 1; ; number++) {
      if (number > 1) await this.pace(request);
      const attempt = await this.attemptOnce(request, deadline);
      const verdict = await judge(attempt);
      if (typeof verdict === "object") return verdict.done;
      if (verdict === "fail" || !(await this.waitToRetry(request, attempt, number, deadline))) throw this.failure(request, attempt, number);
    }
  }

  private async pace(request: Request): Promise<void> {
    if (this.rateLimits) await processPacer.wait(this.baseUrl, this.#token, request.method, this.rateLimits);
  }

  /** One HTTP exchange, abandoned when the whole response has not arrived by its deadline. */
  private async attemptOnce(request: Request, deadline: number): Promise<Attempt> {
    const started = Date.now();
    const timeoutMs = Math.max(1, Math.min(this.retry.requestTimeoutMs, deadline - started));
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const membership = MEMBERSHIP_WRITES.includes(request.operation);
    if (membership) {
      this.membershipWrites.begun++;
      this.membershipWrites.underWay++;
    }
    let result: Attempt;
    try {
      const response = await this.#http.request<string>({
        method: request.method,
        url: request.path,
        data: request.body,
        signal: controller.signal,
      });
      const retryAfter = response.headers["retry-after"];
      result = {
        kind: "response",
        status: response.status,
        body: typeof response.data === "string" ? response.data : "",
        retryAfter: typeof retryAfter === "string" ? retryAfter : undefined,
      };
    } catch (error) {
      // Keep only a code: axios errors carry the request config, Authorization header included.
      result = { kind: "network", code: networkCode(error, controller.signal.aborted) };
    } finally {
      clearTimeout(timer);
      if (membership) this.membershipWrites.underWay--;
    }
    this.log(`${request.method} ${request.path} -> ${describeAttempt(result)} (${Date.now() - started} ms)`);
    return result;
  }

  /** Waits before the next attempt; false when the attempt or time budget does not allow one. */
  private async waitToRetry(request: Request, attempt: Attempt, number: number, deadline: number): Promise<boolean> {
    if (!retryableFailure(attempt) || number >= this.retry.maxAttempts) return false;
    const retryAfter = attempt.kind === "response" ? parseRetryAfterMs(attempt.retryAfter) : undefined;
    const delay = retryAfter ?? backoffDelayMs(number, this.retry);
    if (Date.now() + delay >= deadline) return false;
    this.log(`retrying ${request.operation} in ${delay} ms after ${describeAttempt(attempt)} (attempt ${number})`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    return true;
  }

  private failure(request: Request, attempt: Attempt, attempts: number): AstroApiError {
    if (attempt.kind === "network") {
      return new AstroApiError({ operation: request.operation, apiMessage: this.describeNetworkFailure(attempt.code), attempts });
    }
    const parsed = ErrorBodySchema.safeParse(safeJson(attempt.body));
    return new AstroApiError({
      operation: request.operation,
      status: attempt.status,
      apiMessage: parsed.success ? parsed.data.message : `unexpected response to ${request.method} ${request.path}`,
      requestId: parsed.success ? parsed.data.requestId : undefined,
      fieldErrors: parsed.success ? parsed.data.fieldErrors : undefined,
      attempts,
    });
  }

  private describeNetworkFailure(code: string): string {
    if (code === "ETIMEDOUT")
      return `no complete answer from ${this.baseUrl} within ${this.retry.requestTimeoutMs} ms or the operation's ${this.retry.maxElapsedMs} ms budget (ETIMEDOUT)`;
    if (code === "BODY_TOO_LARGE")
      return `the answer from ${this.baseUrl} is larger than ${MAX_BODY_BYTES} bytes; it was not read (BODY_TOO_LARGE)`;
    return `could not reach ${this.baseUrl} (${code})`;
  }

  /** A 200 answer stands for our invite only if it names the invitee and organization we asked for. */
  private inviteFor(organizationId: string, email: string, invite: Invite): Invite {
    const answeredEmail = invite.invitee.username === undefined ? undefined : emailKey(invite.invitee.username);
    if (invite.organizationId === organizationId && (answeredEmail === undefined || answeredEmail === emailKey(email))) return invite;
    throw new ResponseShapeError(
      "createInvite",
      `asked to invite ${email} to organization ${organizationId}, the API answered with invite ${invite.inviteId} for ` +
        `${invite.invitee.username ?? `user ${invite.invitee.id}`} in organization ${invite.organizationId}; it was not recorded as ${email}'s invite`,
    );
  }

  /** `/a/b/...` from literal segments and ids; an id that could change the path is refused, never encoded. */
  private path(...segments: string[]): string {
    return segments.map((segment, index) => `/${index % 2 === 0 ? segment : this.id(segment)}`).join("");
  }

  /** An id checked before it enters a URL (a path segment or a query value). */
  private id(value: string): string {
    if (!ASTRO_ID.test(value))
      throw new Error(`Refusing to use ${JSON.stringify(value)} as an Astro id in a URL: ids are letters, digits, _ and - (at most 64)`);
    return value;
  }

  private parse<T>(operation: Operation, schema: z.ZodType<T>, body: string): T {
    const json = safeJson(body);
    if (json === undefined) throw new ResponseShapeError(operation, "the body is not JSON");
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ResponseShapeError(operation, describeShapeProblem(parsed.error));
    return parsed.data;
  }
}

/**
 * What one create attempt says, before any lookup: the invite; a refusal because the email already has a
 * role; an attempt that may have reached the server (retryable or not: an answer that is not an invite, a
 * 5xx, a timeout, a reset, an oversized body); one that cannot have (refused connection, 429); or a
 * refusal of the request itself (any other 4xx).
 */
type CreateSignal =
  | { kind: "created"; invite: Invite }
  | { kind: "existingRole" }
  | { kind: "mayExist"; attempt: string; retryable: boolean }
  | { kind: "notReached" }
  | { kind: "refused" };

function createSignal(attempt: Attempt): CreateSignal {
  if (attempt.kind === "response" && attempt.status === 200) {
    const parsed = InviteSchema.safeParse(safeJson(attempt.body));
    if (parsed.success) return { kind: "created", invite: parsed.data };
    return {
      kind: "mayExist",
      attempt: `HTTP 200 with a body that is not an invite: ${describeShapeProblem(parsed.error)}`,
      retryable: true,
    };
  }
  if (attempt.kind === "response" && attempt.status === 400 && EXISTING_ROLE_MESSAGE.test(attempt.body)) return { kind: "existingRole" };
  const retryable = retryableFailure(attempt);
  const reached = retryable ? mayHaveReachedServer(retryable) : attempt.kind === "network" && mayHaveReachedServer({ code: attempt.code });
  if (reached) return { kind: "mayExist", attempt: describeAttempt(attempt), retryable: retryable !== undefined };
  return retryable ? { kind: "notReached" } : { kind: "refused" };
}

/** The verdict of an operation that expects these statuses, each read into a result from the body. */
function accept<T>(attempt: Attempt, results: Record<number, (body: string) => T>): Verdict<T> {
  if (attempt.kind === "response" && results[attempt.status]) return { done: results[attempt.status](attempt.body) };
  return retryableFailure(attempt) ? "retry" : "fail";
}

function retryableFailure(attempt: Attempt): { status?: number; code?: string } | undefined {
  if (attempt.kind === "network") return RETRYABLE_NETWORK_CODES.has(attempt.code) ? { code: attempt.code } : undefined;
  return RETRYABLE_STATUSES.has(attempt.status) ? { status: attempt.status } : undefined;
}

function networkCode(error: unknown, deadlinePassed: boolean): string {
  if (deadlinePassed) return "ETIMEDOUT";
  if (isAxiosError(error) && /maxContentLength/.test(error.message)) return "BODY_TOO_LARGE";
  return (isAxiosError(error) && error.code) || "UNKNOWN";
}

function describeAttempt(attempt: Attempt): string {
  return attempt.kind === "network" ? attempt.code : `HTTP ${attempt.status}`;
}

/** Who a client speaks as: its normalized base URL and a fingerprint of its token (never the token). */
export function clientIdentity(baseUrl: string, token: string): string {
  return `${normalizeApiUrl(baseUrl)} ${fingerprint(token)}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
