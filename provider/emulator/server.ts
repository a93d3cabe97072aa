import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Operation } from "../api/errors";
import { ASTRO_RATE_LIMITS, RateLimits } from "../api/pacing";
import { isLoopbackHost } from "../api/url";
import { FaultInjector, FaultRule } from "./faults";
import { requestId } from "./ids";
import { RateLimiter } from "./ratelimit";
import { ApiFailure, ApiResult, ApiToken, EmulatorState, MemberStatus, RoleLists, Switches, TeamOptions } from "./state";

export interface EmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Loopback only by default; the emulator has no real security. */
  host?: string;
  /** Astro's documented per-token limits by default; false turns rate limiting off. */
  rateLimits?: RateLimits | false;
  /** Added to every API request, to model a real network. */
  latencyMs?: number;
  /** Seed for probabilistic faults. */
  seed?: number;
  organizationName?: string;
  /** Fixed ids and token, for a demo or a user's CI that wants stable values. */
  organizationId?: string;
  token?: string;
  switches?: Partial<Switches>;
}

export interface RequestLogEntry {
  at: string;
  method: string;
  path: string;
  operation?: Operation;
  /** HTTP status, or 0 when the connection was reset instead of answered. */
  status: number;
  durationMs: number;
  fault?: FaultRule["kind"];
}

export interface Emulator {
  /** The API base URL, e.g. http://127.0.0.1:4010/v1: what `apiUrl` / ASTRO_API_URL should be. */
  readonly apiUrl: string;
  /** The root of the test-control endpoints. */
  readonly adminUrl: string;
  /** The organization created at start. */
  readonly organizationId: string;
  /** An API token with rights on that organization. */
  readonly token: string;
  readonly state: EmulatorState;
  readonly faults: FaultInjector;
  readonly log: RequestLogEntry[];
  readonly settings: { rateLimits: RateLimits | false; latencyMs: number };
  /** The organization created at start, as the test controls' snapshot shows it: users and invites. */
  organization(): ReturnType<EmulatorState["snapshot"]>["organizations"][number];
  /** Another API token, limited to these organizations (and permissions, when given). */
  createToken(name: string, organizationIds: string[], permissions?: string[]): string;
  /** Requests received so far, by method, and the number answered 429. */
  counts(): { byMethod: Record<string, number>; throttled: number };
  stop(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const state = new EmulatorState();
  Object.assign(state.switches, options.switches);
  const organization = state.createOrganization(options.organizationName ?? "Emulated Organization", options.organizationId);
  const token = state.createToken("pulumi-astro-invites", [organization.id], { secret: options.token });
  const faults = new FaultInjector(options.seed ?? 1);
  const settings = {
    rateLimits: options.rateLimits === undefined ? ASTRO_RATE_LIMITS : options.rateLimits,
    latencyMs: options.latencyMs ?? 0,
  };
  const limiter = new RateLimiter(settings.rateLimits);
  const log: RequestLogEntry[] = [];
  const context: Context = { state, faults, settings, limiter, log };

  const server = createServer((req, res) => {
    handle(context, req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, errorBody(500, `emulator error: ${String(error)}`));
    });
  });
  server.keepAliveTimeout = 30_000;
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  return {
    apiUrl: `${origin}/v1`,
    adminUrl: `${origin}/_emulator`,
    organizationId: organization.id,
    token: token.secret,
    state,
    faults,
    log,
    settings,
    createToken: (name, organizationIds, permissions) => state.createToken(name, organizationIds, { permissions }).secret,
    organization: () => state.snapshot().organizations.find((o) => o.id === organization.id)!,
    counts: () => countLog(log),
    stop: () => closeServer(server),
  };
}

interface Context {
  state: EmulatorState;
  faults: FaultInjector;
  settings: { rateLimits: RateLimits | false; latencyMs: number };
  limiter: RateLimiter;
  log: RequestLogEntry[];
}

interface Route {
  operation: Operation;
  method: string;
  pattern: RegExp;
  run(state: EmulatorState, token: ApiToken, params: string[], body: unknown, query: URLSearchParams): ApiResult;
}

const ID = "([^/]+)";
const ROUTES: Route[] = [
  {
    operation: "createInvite",
    method: "POST",
    pattern: new RegExp(`^/v1/organizations/${ID}/invites$`),
    run: (state, token, [org], body) => state.createInvite(token, org, body),
  },
  {
    operation: "deleteInvite",
    method: "DELETE",
    pattern: new RegExp(`^/v1/organizations/${ID}/invites/${ID}$`),
    run: (state, token, [org, invite]) => state.deleteInvite(token, org, invite),
  },
  {
    operation: "listUsers",
    method: "GET",
    pattern: new RegExp(`^/v1/organizations/${ID}/users$`),
    run: (state, token, [org], _body, query) => state.listUsers(token, org, query),
  },
  {
    operation: "getUser",
    method: "GET",
    pattern: new RegExp(`^/v1/organizations/${ID}/users/${ID}$`),
    run: (state, token, [org, user]) => state.getUser(token, org, user),
  },
  {
    operation: "updateRoles",
    method: "POST",
    pattern: new RegExp(`^/v1/organizations/${ID}/users/${ID}/roles$`),
    run: (state, token, [org, user], body) => state.updateRoles(token, org, user, body),
  },
  {
    operation: "getUserTeams",
    method: "GET",
    pattern: new RegExp(`^/v1/organizations/${ID}/users/${ID}/teams$`),
    run: (state, token, [org, user]) => state.getUserTeams(token, org, user),
  },
  {
    operation: "listWorkspaces",
    method: "GET",
    pattern: new RegExp(`^/v1/organizations/${ID}/workspaces$`),
    run: (state, token, [org], _body, query) => state.listWorkspaces(token, org, query),
  },
  {
    operation: "listDeployments",
    method: "GET",
    pattern: new RegExp(`^/v1/organizations/${ID}/deployments$`),
    run: (state, token, [org], _body, query) => state.listDeployments(token, org, query),
  },
  {
    operation: "getOrganization",
    method: "GET",
    pattern: new RegExp(`^/v1/organizations/${ID}$`),
    run: (state, token, [org]) => state.getOrganization(token, org),
  },
  {
    operation: "listTeams",
    method: "GET",
    pattern: new RegExp(`^/v1/organizations/${ID}/teams$`),
    run: (state, token, [org], _body, query) => state.listTeams(token, org, query),
  },
  {
    operation: "createTeam",
    method: "POST",
    pattern: new RegExp(`^/v1/organizations/${ID}/teams$`),
    run: (state, token, [org], body) => state.createTeam(token, org, body),
  },
  {
    operation: "getTeam",
    method: "GET",
    pattern: new RegExp(`^/v1/organizations/${ID}/teams/${ID}$`),
    run: (state, token, [org, team]) => state.getTeam(token, org, team),
  },
  {
    operation: "updateTeam",
    method: "POST",
    pattern: new RegExp(`^/v1/organizations/${ID}/teams/${ID}$`),
    run: (state, token, [org, team], body) => state.updateTeam(token, org, team, body),
  },
  {
    operation: "deleteTeam",
    method: "DELETE",
    pattern: new RegExp(`^/v1/organizations/${ID}/teams/${ID}$`),
    run: (state, token, [org, team]) => state.deleteTeam(token, org, team),
  },
  {
    operation: "listTeamMembers",
    method: "GET",
    pattern: new RegExp(`^/v1/organizations/${ID}/teams/${ID}/members$`),
    run: (state, token, [org, team], _body, query) => state.listTeamMembers(token, org, team, query),
  },
  {
    operation: "addTeamMembers",
    method: "POST",
    pattern: new RegExp(`^/v1/organizations/${ID}/teams/${ID}/members$`),
    run: (state, token, [org, team], body) => state.addTeamMembers(token, org, team, body),
  },
  {
    operation: "removeTeamMember",
    method: "DELETE",
    pattern: new RegExp(`^/v1/organizations/${ID}/teams/${ID}/members/${ID}$`),
    run: (state, token, [org, team, user]) => state.removeTeamMember(token, org, team, user),
  },
  {
    operation: "updateTeamRoles",
    method: "POST",
    pattern: new RegExp(`^/v1/organizations/${ID}/teams/${ID}/roles$`),
    run: (state, token, [org, team], body) => state.updateTeamRoles(token, org, team, body),
  },
];

async function handle(context: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://emulator");
  const method = req.method ?? "GET";
  const body = await readBody(req);
  if (url.pathname.startsWith("/_emulator/")) return handleAdmin(context, req, url, body, res);

  const started = Date.now();
  const route = ROUTES.find((candidate) => candidate.method === method && candidate.pattern.test(url.pathname));
  const entry: RequestLogEntry = {
    at: new Date().toISOString(),
    method,
    path: url.pathname + url.search,
    operation: route?.operation,
    status: 0,
    durationMs: 0,
  };
  const finish = (status: number) => {
    entry.status = status;
    entry.durationMs = Date.now() - started;
    context.log.push(entry);
  };
  const answer = (result: ApiResult, headers: Record<string, string> = {}) => {
    send(res, result.status, result.body, headers);
    finish(result.status);
  };

  if (!route) return answer({ status: 404, body: errorBody(404, `No route for ${method} ${url.pathname}`) });

  const authorization = req.headers.authorization ?? "";
  const waitMs = context.limiter.take(authorization, method);
  if (waitMs !== undefined) {
    const throttled = tooManyRequests(context, Math.ceil(waitMs / 1000));
    return answer(throttled.result, throttled.headers);
  }

  if (context.settings.latencyMs > 0) await sleep(context.settings.latencyMs);

  const token = context.state.tokenFor(authorization.replace(/^Bearer\s+/i, ""));
  if (!authorization.match(/^Bearer\s+\S/) || !token)
    return answer({ status: 401, body: errorBody(401, "Unauthorized: missing or invalid API token") });

  const fault = context.faults.pick(route.operation);
  if (fault) entry.fault = fault.kind;
  switch (fault?.kind) {
    case "reset":
      res.socket?.destroy();
      return finish(0);
    case "500":
    case "502":
    case "503":
      return answer({ status: Number(fault.kind), body: errorBody(Number(fault.kind), "Injected server error") });
    case "429": {
      const throttled = tooManyRequests(context, fault.retryAfterSeconds ?? 1);
      return answer(throttled.result, throttled.headers);
    }
    case "latency":
      await sleep(fault.latencyMs ?? 1000);
      break;
  }

  let result: ApiResult;
  try {
    result = route.run(context.state, token, route.pattern.exec(url.pathname)!.slice(1).map(decodeURIComponent), body, url.searchParams);
  } catch (error) {
    result = failureResult(error);
  }
  if (fault?.kind === "commitThenReset") {
    res.socket?.destroy();
    return finish(0);
  }
  answer(result);
}

interface AdminRoute {
  method: string;
  /** The path under /_emulator, with `:id` for each parameter. */
  path: string;
  run(context: Context, params: string[], input: Record<string, unknown>): { status: number; body?: unknown };
}

const NO_CONTENT = { status: 204 };

/** The test controls, under /_emulator/, as a table like the API's routes. */
const ADMIN_ROUTES: AdminRoute[] = [
  { method: "GET", path: "/state", run: ({ state }) => ({ status: 200, body: state.snapshot() }) },
  { method: "GET", path: "/log", run: ({ log }) => ({ status: 200, body: { requests: log, counts: countLog(log) } }) },
  {
    method: "DELETE",
    path: "/log",
    run: ({ log }) => {
      log.length = 0;
      return NO_CONTENT;
    },
  },
  {
    method: "POST",
    path: "/invites/:id/accept",
    run: ({ state }, [invite]) => {
      state.acceptInvite(invite);
      return NO_CONTENT;
    },
  },
  {
    method: "POST",
    path: "/organizations/:id/accept",
    run: ({ state }, [org], input) => {
      state.acceptInviteOf(org, String(input.email));
      return NO_CONTENT;
    },
  },
  {
    method: "POST",
    path: "/clock",
    run: ({ state }, _params, input) => {
      state.advanceClock(Number(input.advanceSeconds ?? 0));
      return { status: 200, body: { now: state.now().toISOString() } };
    },
  },
  {
    method: "POST",
    path: "/organizations/:id/users/:id/role",
    run: ({ state }, [org, user], input) => {
      state.setRoleOutOfBand(org, user, String(input.role));
      return NO_CONTENT;
    },
  },
  {
    method: "DELETE",
    path: "/organizations/:id/users/:id",
    run: ({ state }, [org, user]) => {
      state.removeUserOutOfBand(org, user);
      return NO_CONTENT;
    },
  },
  {
    method: "POST",
    path: "/organizations/:id/members",
    run: ({ state }, [org], input) => {
      const status = (input.status as MemberStatus | undefined) ?? "ACTIVE";
      return {
        status: 200,
        body: { userId: state.seedMember(org, String(input.email), String(input.role ?? "ORGANIZATION_MEMBER"), status) },
      };
    },
  },
  {
    method: "POST",
    path: "/organizations/:id/workspaces",
    run: ({ state }, [org], input) => ({ status: 200, body: state.createWorkspace(org, String(input.name ?? "Workspace")) }),
  },
  {
    method: "POST",
    path: "/organizations/:id/deployments",
    run: ({ state }, [org], input) => ({
      status: 200,
      body: state.createDeployment(org, String(input.workspaceId), String(input.name ?? "Deployment")),
    }),
  },
  {
    method: "POST",
    path: "/organizations/:id/custom-roles",
    run: ({ state }, [org], input) => ({
      status: 200,
      body: { id: state.createCustomRole(org, input.scope === "DAG" ? "DAG" : "DEPLOYMENT") },
    }),
  },
  {
    method: "POST",
    path: "/organizations/:id/users/:id/direct-roles",
    run: ({ state }, [org, user], input) => {
      state.grantDirectRoles(org, user, input as Partial<RoleLists>);
      return NO_CONTENT;
    },
  },
  {
    method: "POST",
    path: "/organizations/:id/teams",
    run: ({ state }, [org], input) => {
      const { name, memberIds, ...options } = input as { name?: string; memberIds?: string[] } & TeamOptions;
      return { status: 200, body: { teamId: state.seedTeam(org, String(name ?? "Team"), memberIds ?? [], options) } };
    },
  },
  {
    method: "POST",
    path: "/teams/:id/members",
    run: ({ state }, [team], input) => {
      state.addTeamMemberOutOfBand(team, String(input.userId));
      return NO_CONTENT;
    },
  },
  {
    method: "PUT",
    path: "/organizations/:id/scim",
    run: ({ state }, [org], input) => {
      state.setScimEnabled(org, input.enabled === true);
      return NO_CONTENT;
    },
  },
  {
    method: "POST",
    path: "/organizations",
    run: ({ state }, _params, input) => ({ status: 200, body: state.createOrganization(String(input.name ?? "Another Organization")) }),
  },
  {
    method: "POST",
    path: "/tokens",
    run: ({ state }, _params, input) => {
      const token = state.createToken(String(input.name ?? "token"), (input.organizationIds as string[]) ?? [], {
        permissions: input.permissions as string[] | undefined,
      });
      return { status: 200, body: { token: token.secret } };
    },
  },
  {
    method: "PUT",
    path: "/settings",
    run: (context, _params, input) => {
      Object.assign(context.state.switches, input.switches ?? {});
      if (input.rateLimits !== undefined) context.limiter.limits = context.settings.rateLimits = input.rateLimits as RateLimits | false;
      if (input.latencyMs !== undefined) context.settings.latencyMs = Number(input.latencyMs);
      if (input.seed !== undefined) context.faults.reseed(Number(input.seed));
      return { status: 200, body: { switches: context.state.switches, ...context.settings } };
    },
  },
  {
    method: "POST",
    path: "/faults",
    run: ({ faults }, _params, input) => {
      for (const rule of (input.rules as FaultRule[]) ?? []) faults.add(rule);
      return { status: 200, body: { rules: faults.list() } };
    },
  },
  {
    method: "DELETE",
    path: "/faults",
    run: ({ faults }) => {
      faults.clear();
      return NO_CONTENT;
    },
  },
];

/**
 * The test controls have no auth: they answer only callers on this machine, checked per request even if
 * the server was bound to another address, and only JSON writes (a web page can send a cross-site
 * text/plain or form POST without asking, but not an application/json one).
 */
function handleAdmin(context: Context, req: IncomingMessage, url: URL, body: unknown, res: ServerResponse): void {
  const method = req.method ?? "GET";
  if (!isLoopbackAddress(req.socket.remoteAddress))
    return send(res, 403, errorBody(403, "The emulator's test controls answer loopback callers only"));
  if (method !== "GET" && !/^application\/json\s*(;|$)/i.test(req.headers["content-type"] ?? "")) {
    return send(
      res,
      415,
      errorBody(415, "The emulator's test controls take application/json requests only (send Content-Type: application/json)"),
    );
  }
  const path = url.pathname.replace(/^\/_emulator/, "");
  for (const route of ADMIN_ROUTES) {
    const match = route.method === method && new RegExp(`^${route.path.replace(/:id/g, "([^/]+)")}$`).exec(path);
    if (!match) continue;
    try {
      const result = route.run(context, match.slice(1).map(decodeURIComponent), (body ?? {}) as Record<string, unknown>);
      return send(res, result.status, result.body);
    } catch (error) {
      const result = failureResult(error);
      return send(res, result.status, result.body);
    }
  }
  send(res, 404, errorBody(404, `No admin route for ${method} ${url.pathname}`));
}

export function isLoopbackAddress(address: string | undefined): boolean {
  return address !== undefined && isLoopbackHost(address.replace(/^::ffff:/, ""));
}

function tooManyRequests(context: Context, retryAfterSeconds: number): { result: ApiResult; headers: Record<string, string> } {
  return {
    result: { status: 429, body: errorBody(429, "Too many requests, please slow down") },
    headers: context.state.switches.retryAfterOn429 ? { "Retry-After": String(Math.max(1, retryAfterSeconds)) } : {},
  };
}

function failureResult(error: unknown): ApiResult {
  if (error instanceof ApiFailure) return { status: error.status, body: errorBody(error.status, error.message, error.fieldErrors) };
  return { status: 500, body: errorBody(500, `emulator error: ${String(error)}`) };
}

function errorBody(statusCode: number, message: string, fieldErrors?: unknown[]) {
  return { message, requestId: requestId(), statusCode, ...(fieldErrors && { fieldErrors }) };
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { "Content-Type": "application/json", ...headers }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return undefined;
  }
}

function countLog(log: RequestLogEntry[]) {
  const byMethod: Record<string, number> = {};
  let throttled = 0;
  for (const entry of log) {
    byMethod[entry.method] = (byMethod[entry.method] ?? 0) + 1;
    if (entry.status === 429) throttled++;
  }
  return { byMethod, throttled };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}
