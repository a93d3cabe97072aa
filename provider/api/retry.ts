/** How the client retries transient failures. Every bound is configurable; the defaults suit `pulumi up`. */
export interface RetryOptions {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** Total time one operation may take across all attempts and waits, enforced during attempts too. */
  maxElapsedMs: number;
  /** First backoff ceiling; it doubles each attempt (full jitter picks a wait between 0 and the ceiling). */
  baseDelayMs: number;
  /** Highest backoff ceiling. */
  maxDelayMs: number;
  /** Per-attempt deadline for the whole response, headers and body, however slowly it trickles in. */
  requestTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 8,
  maxElapsedMs: 120_000,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  requestTimeoutMs: 30_000,
};

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Connection failures worth another attempt: the server was not reached, or the answer was lost. */
export const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "ECONNABORTED",
  "EPIPE",
  "EAI_AGAIN",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
]);

/**
 * Whether a failed request may have been carried out by the server anyway. A refused connection never
 * reached it and a 429 was turned away; a timeout, a reset, a 5xx or an unreadable answer may have come
 * after the write.
 */
export function mayHaveReachedServer(failure: { status?: number; code?: string }): boolean {
  if (failure.status !== undefined) return failure.status >= 500;
  return failure.code !== "ECONNREFUSED" && failure.code !== "EAI_AGAIN";
}

/** Full-jitter exponential backoff: a random wait between 0 and min(maxDelay, base * 2^(attempt-1)). */
export function backoffDelayMs(attempt: number, options: RetryOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * A Retry-After header (delta seconds or an HTTP date) in milliseconds from now. Undefined, so that the
 * backoff schedule applies instead, for anything that does not ask for a positive wait: absent, zero,
 * negative, a date in the past, or unparseable.
 */
export function parseRetryAfterMs(header: string | undefined, now: number = Date.now()): number | undefined {
  const trimmed = header?.trim() ?? "";
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const ms = Math.round(Number(trimmed) * 1000);
    return ms > 0 ? ms : undefined;
  }
  // Date.parse accepts far more than HTTP dates ("-1" is the year -1): require a weekday-led IMF date.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed) - now;
  return ms > 0 ? ms : undefined;
}
