import axios, { AxiosInstance, isAxiosError } from "axios";
import { z } from "zod";
import { VERSION } from "../version";
import { AstroApiError, Operation, ResponseShapeError } from "./errors";
import { ASTRO_RATE_LIMITS, PacedMethod, RateLimits, processPacer } from "./pacing";
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
  ErrorBodySchema,
  Invite,
  InviteSchema,
  SubjectRolesSchema,
  User,
  UserSchema,
  UsersPageSchema,
  describeShapeProblem,
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
  /** The API refused: the email already has a role in the organization. */
  | { outcome: "alreadyMember"; user: User }
  /** A create attempt may have reached the server; instead of posting again, the invitee was found. */
  | { outcome: "foundAfterAmbiguousFailure"; user: User; failure: string };

export type DeleteInviteResult = "deleted" | "alreadyGone";

/** Astro answers this (400) when the invitee already has a role in the organization. */
const EXISTING_ROLE_MESSAGE = /existing role in organization/i;
const LIST_PAGE_SIZE = 1000;

interface Request {
  operation: Operation;
  method: PacedMethod;
  path: string;
  body?: unknown;
}

type Attempt =
  | { kind: "response"; status: number; body: string; retryAfter?: string }
  | { kind: "network"; code: string };

/** The Astro API v1 operations that organization invites need, over HTTP with retries and pacing. */
export class AstroClient {
  readonly baseUrl: string;
  private readonly http: AxiosInstance;
  private readonly token: string;
  private readonly retry: RetryOptions;
  private readonly rateLimits: RateLimits | undefined;
  private readonly log: (line: string) => void;

  constructor(options: AstroClientOptions) {
    const baseUrl = normalizeApiUrl(options.baseUrl ?? DEFAULT_API_URL);
    const problem = apiUrlProblem(baseUrl);
    if (problem) throw new Error(`Astro API base URL ${problem}`);
    if (!options.token) throw new Error("An Astro API token is required");
    this.baseUrl = baseUrl;
    this.token = options.token;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.rateLimits = options.rateLimits === false ? undefined : { ...ASTRO_RATE_LIMITS, ...options.rateLimits };
    this.log = options.log ?? (() => undefined);
    this.http = axios.create({
      baseURL: baseUrl,
      timeout: this.retry.requestTimeoutMs,
      // Redirects could carry the Authorization header to another host.
      maxRedirects: 0,
      responseType: "text",
      transformResponse: (data: unknown) => data,
      transitional: { clarifyTimeoutError: true },
      validateStatus: () => true,
      headers: {
        Authorization: `Bearer ${options.token}`,
        "User-Agent": `pulumi-astro-invites/${VERSION}`,
        Accept: "application/json",
      },
    });
  }

  /**
   * Invites `email` with `role`. Never posts twice blindly: after a failure that may have reached the
   * server it looks the invitee up first, and reports them if they exist.
   */
  async createInvite(organizationId: string, email: string, role: string): Promise<CreateInviteResult> {
    const request: Request = {
      operation: "createInvite",
      method: "POST",
      path: `/organizations/${enc(organizationId)}/invites`,
      body: { inviteeEmail: email, role },
    };
    const started = Date.now();
    let ambiguous: string | undefined;
    for (let attempt = 1; ; attempt++) {
      const result = await this.attemptOnce(request);
      if (result.kind === "response" && result.status === 200) {
        return { outcome: "created", invite: this.parse(request.operation, InviteSchema, result.body) };
      }
      if (result.kind === "response" && result.status === 400 && EXISTING_ROLE_MESSAGE.test(result.body)) {
        const user = await this.findUserByEmail(organizationId, email);
        if (!user) throw this.failure(request, result, attempt);
        // After an ambiguous attempt, the role the API complains about is most likely our own invite.
        return ambiguous ? { outcome: "foundAfterAmbiguousFailure", user, failure: ambiguous } : { outcome: "alreadyMember", user };
      }
      const failure = this.retryableFailure(result);
      if (!failure) throw this.failure(request, result, attempt);
      if (mayHaveReachedServer(failure)) {
        ambiguous = describeAttempt(result);
        const user = await this.findUserByEmail(organizationId, email);
        if (user) return { outcome: "foundAfterAmbiguousFailure", user, failure: ambiguous };
      }
      if (!(await this.waitToRetry(request, result, attempt, started))) throw this.failure(request, result, attempt);
    }
  }

  /** Revokes a pending invite. A 404 means it is gone already (accepted, expired or revoked). */
  async deleteInvite(organizationId: string, inviteId: string): Promise<DeleteInviteResult> {
    const response = await this.send({
      operation: "deleteInvite",
      method: "DELETE",
      path: `/organizations/${enc(organizationId)}/invites/${enc(inviteId)}`,
    }, [204, 200, 404]);
    return response.status === 404 ? "alreadyGone" : "deleted";
  }

  /** The organization's user with this id, or undefined when the organization has no such user. */
  async getUser(organizationId: string, userId: string): Promise<User | undefined> {
    const request: Request = {
      operation: "getUser",
      method: "GET",
      path: `/organizations/${enc(organizationId)}/users/${enc(userId)}`,
    };
    const response = await this.send(request, [200, 404]);
    return response.status === 404 ? undefined : this.parse(request.operation, UserSchema, response.body);
  }

  /** Pages through the organization's users (largest pages the API allows) for this email, ignoring case. */
  async findUserByEmail(organizationId: string, email: string): Promise<User | undefined> {
    const wanted = email.trim().toLowerCase();
    for (let offset = 0; ; offset += LIST_PAGE_SIZE) {
      const request: Request = {
        operation: "listUsers",
        method: "GET",
        path: `/organizations/${enc(organizationId)}/users?offset=${offset}&limit=${LIST_PAGE_SIZE}`,
      };
      const page = this.parse(request.operation, UsersPageSchema, (await this.send(request, [200])).body);
      const match = page.users.find((user) => user.username.toLowerCase() === wanted);
      if (match) return match;
      if (page.users.length === 0 || offset + page.users.length >= page.totalCount) return undefined;
    }
  }

  /**
   * Sets a user's organization role. The user's workspace, deployment and DAG roles are sent back as they
   * are, so that changing the organization role never strips them.
   */
  async updateOrganizationRole(organizationId: string, user: User, role: string): Promise<void> {
    const request: Request = {
      operation: "updateRoles",
      method: "POST",
      path: `/organizations/${enc(organizationId)}/users/${enc(user.id)}/roles`,
      body: {
        organizationRole: role,
        ...(user.workspaceRoles && { workspaceRoles: user.workspaceRoles }),
        ...(user.deploymentRoles && { deploymentRoles: user.deploymentRoles }),
        ...(user.dagRoles && { dagRoles: user.dagRoles }),
      },
    };
    this.parse(request.operation, SubjectRolesSchema, (await this.send(request, [200])).body);
  }

  /** Sends with retries until one of `accepted` statuses arrives; anything else throws AstroApiError. */
  private async send(request: Request, accepted: number[]): Promise<{ status: number; body: string }> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const result = await this.attemptOnce(request);
      if (result.kind === "response" && accepted.includes(result.status)) return result;
      if (!this.retryableFailure(result) || !(await this.waitToRetry(request, result, attempt, started))) {
        throw this.failure(request, result, attempt);
      }
    }
  }

  private async attemptOnce(request: Request): Promise<Attempt> {
    if (this.rateLimits) await processPacer.wait(this.baseUrl, this.token, request.method, this.rateLimits);
    const started = Date.now();
    let result: Attempt;
    try {
      const response = await this.http.request<string>({ method: request.method, url: request.path, data: request.body });
      const retryAfter = response.headers["retry-after"];
      result = {
        kind: "response",
        status: response.status,
        body: typeof response.data === "string" ? response.data : "",
        retryAfter: typeof retryAfter === "string" ? retryAfter : undefined,
      };
    } catch (error) {
      // Keep only the code: axios errors carry the request config, Authorization header included.
      result = { kind: "network", code: (isAxiosError(error) && error.code) || "UNKNOWN" };
    }
    this.log(`${request.method} ${request.path} -> ${describeAttempt(result)} (${Date.now() - started} ms)`);
    return result;
  }

  private retryableFailure(result: Attempt): { status?: number; code?: string } | undefined {
    if (result.kind === "network") return RETRYABLE_NETWORK_CODES.has(result.code) ? { code: result.code } : undefined;
    return RETRYABLE_STATUSES.has(result.status) ? { status: result.status } : undefined;
  }

  /** Waits before the next attempt; false when the attempt or time budget does not allow one. */
  private async waitToRetry(request: Request, result: Attempt, attempt: number, started: number): Promise<boolean> {
    if (attempt >= this.retry.maxAttempts) return false;
    const retryAfter = result.kind === "response" ? parseRetryAfterMs(result.retryAfter) : undefined;
    const delay = retryAfter ?? backoffDelayMs(attempt, this.retry);
    if (Date.now() + delay - started > this.retry.maxElapsedMs) return false;
    this.log(`retrying ${request.operation} in ${delay} ms after ${describeAttempt(result)} (attempt ${attempt})`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    return true;
  }

  private failure(request: Request, result: Attempt, attempts: number): AstroApiError {
    if (result.kind === "network") {
      return new AstroApiError({
        operation: request.operation,
        apiMessage: `could not reach ${this.baseUrl} (${result.code})`,
        attempts,
      });
    }
    const parsed = ErrorBodySchema.safeParse(safeJson(result.body));
    return new AstroApiError({
      operation: request.operation,
      status: result.status,
      apiMessage: parsed.success ? parsed.data.message : `unexpected response to ${request.method} ${request.path}`,
      requestId: parsed.success ? parsed.data.requestId : undefined,
      fieldErrors: parsed.success ? parsed.data.fieldErrors : undefined,
      attempts,
    });
  }

  private parse<T>(operation: Operation, schema: z.ZodType<T>, body: string): T {
    const json = safeJson(body);
    if (json === undefined) throw new ResponseShapeError(operation, "the body is not JSON");
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ResponseShapeError(operation, describeShapeProblem(parsed.error));
    return parsed.data;
  }
}

function describeAttempt(result: Attempt): string {
  return result.kind === "network" ? result.code : `HTTP ${result.status}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}
