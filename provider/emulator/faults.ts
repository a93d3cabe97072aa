import type { Operation } from "../api/errors";

/**
 * What can go wrong with a request: an error status, added latency, a connection reset before the request
 * is handled, or the worst case for a non-idempotent API: the write happens and then the connection drops.
 */
export type FaultKind = "500" | "502" | "503" | "429" | "latency" | "reset" | "commitThenReset";

const FAULT_KINDS: readonly FaultKind[] = ["500", "502", "503", "429", "latency", "reset", "commitThenReset"];

export interface FaultRule {
  kind: FaultKind;
  /** Which operation it hits; all of them when absent or "*". */
  operation?: Operation | "*";
  /** Hit each matching request with this probability (drawn from the emulator's seeded generator). */
  probability?: number;
  /** Hit exactly these matching requests, counted from 1 since the rule was added. */
  calls?: number[];
  /**
   * Hit every matching request for this long, from the first matching request on (not from when the rule
   * was added: a client that starts slowly must still meet the whole window).
   */
  durationMs?: number;
  /** Extra delay for "latency" faults. */
  latencyMs?: number;
  /** Retry-After seconds for "429" faults (when the emulator sends Retry-After at all). */
  retryAfterSeconds?: number;
}

interface ActiveRule {
  rule: FaultRule;
  /** When the first matching request arrived. */
  firstSeenAt?: number;
  seen: number;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private random: () => number;

  constructor(seed: number) {
    this.random = mulberry32(seed);
  }

  reseed(seed: number): void {
    this.random = mulberry32(seed);
  }

  add(rule: FaultRule): void {
    if (!FAULT_KINDS.includes(rule.kind)) throw new Error(`fault kind must be one of ${FAULT_KINDS.join(", ")}, got ${rule.kind}`);
    this.rules.push({ rule, seen: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((active) => active.rule);
  }

  /** The fault for this request, if any rule fires; the first rule that fires wins. */
  pick(operation: Operation): FaultRule | undefined {
    let picked: FaultRule | undefined;
    for (const active of this.rules) {
      const { rule } = active;
      if (rule.operation && rule.operation !== "*" && rule.operation !== operation) continue;
      active.seen++;
      active.firstSeenAt ??= Date.now();
      if (!picked && this.fires(active)) picked = rule;
    }
    return picked;
  }

  private fires({ rule, firstSeenAt, seen }: ActiveRule): boolean {
    if (rule.calls) return rule.calls.includes(seen);
    if (rule.durationMs !== undefined) return Date.now() - (firstSeenAt ?? Date.now()) < rule.durationMs;
    if (rule.probability !== undefined) return this.random() < rule.probability;
    return true;
  }
}

/** A small seeded generator, so a faulted run can be replayed exactly. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
