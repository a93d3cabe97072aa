import { AstroClient, clientIdentity } from "./api/client";
import { report } from "./log";
import { ConfigSource, MISSING_TOKEN, Settings, settingsFrom } from "./settings";

/**
 * What every resource type's steps share in the dynamic-provider process Pulumi starts: the settings
 * from its Configure call, and one client per API URL and token (so that pacing and the shared users
 * walks of api/directory.ts span invites and Teams alike).
 */

/** Set by Configure, which Pulumi calls once before any other step of the process. */
let settings: Settings | undefined;

export const configured = (): Settings => (settings ??= settingsFrom({ get: () => undefined }, process.env));

/** Configure opens an operation: clients (and the reads they share) are not carried into the next. */
export function configureProcess(config: ConfigSource, env: Record<string, string | undefined>): void {
  settings = settingsFrom(config, env);
  clients.clear();
}

const clients = new Map<string, AstroClient>();

export function clientFor(apiUrl: string): AstroClient {
  const { token } = configured();
  if (!token) throw new Error(MISSING_TOKEN);
  const key = clientIdentity(apiUrl, token);
  // Retries are what a user wonders about when an update is slow; every other attempt stays quiet.
  const log = (line: string) => line.startsWith("retrying") && void report("info", `Astro API: ${line}`);
  let client = clients.get(key);
  if (!client) clients.set(key, (client = new AstroClient({ token, baseUrl: apiUrl, log })));
  return client;
}

/**
 * A step that failed after Astro may have changed something. The dynamic-provider host hands `id`,
 * `properties` and `reasons` to the engine, which records the resource with these outputs (and an
 * initialization error, so the next `up` runs update on it) instead of losing what exists.
 */
export class PartialStateError<T extends object = object> extends Error {
  readonly reasons: string[];
  constructor(
    readonly id: string,
    readonly properties: T,
    reason: string,
  ) {
    super(reason);
    this.name = "PartialStateError";
    this.reasons = [reason];
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
