import type { RateLimits } from "../api/pacing";

/**
 * Astro's per-token limits as token buckets holding one second's worth of requests: a client that spaces
 * its requests at the documented rate is never refused, one that bursts beyond it is.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(public limits: RateLimits | false) {}

  /** Undefined when the request may pass, else the milliseconds until it would. */
  take(key: string, method: string): number | undefined {
    if (!this.limits) return undefined;
    const perSecond = this.limits[method as keyof RateLimits];
    if (perSecond === undefined) return undefined;
    const id = `${method} ${key}`;
    const now = Date.now();
    const bucket = this.buckets.get(id) ?? { tokens: perSecond, at: now };
    bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.buckets.set(id, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.ceil(((1 - bucket.tokens) / perSecond) * 1000);
  }
}
