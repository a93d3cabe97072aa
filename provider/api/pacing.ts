import { createHash } from "node:crypto";

/** Requests per second per API token, by HTTP method: Astro's documented limits. */
export interface RateLimits {
  GET: number;
  POST: number;
  DELETE: number;
}

export const ASTRO_RATE_LIMITS: RateLimits = { GET: 25, POST: 10, DELETE: 5 };

export type PacedMethod = keyof RateLimits;

/**
 * Spaces requests so that no (base URL, token, method) sends more than its limit per second from this
 * process. Pulumi runs all resources of a stack in one provider process, so pacing here keeps even a
 * stack of hundreds of invites under Astro's limits without ever drawing a 429.
 */
class Pacer {
  private readonly nextSlot = new Map<string, number>();

  /** Waits for this request's slot. */
  async wait(baseUrl: string, token: string, method: PacedMethod, limits: RateLimits): Promise<void> {
    const perSecond = limits[method];
    if (!(perSecond > 0) || !Number.isFinite(perSecond)) return;
    const key = `${baseUrl} ${method} ${fingerprint(token)}`;
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot.get(key) ?? 0);
    this.nextSlot.set(key, slot + 1000 / perSecond);
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }
}

/** The pacer shared by every client in this process. */
export const processPacer = new Pacer();

/** A short hash that tells tokens apart without revealing them. */
export function fingerprint(token: string): string {
  return createHash("sha256").update(token).digest("hex").slice(0, 16);
}
