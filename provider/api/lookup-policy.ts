import { LIST_PAGE_SIZE } from "./client";

/**
 * The shared lookups' decisions (api/directory.ts), as pure functions of what the directory knows: which
 * lookups share a walk, when a walk is fresh enough, a walk or GETs. The directory is the I/O around them.
 */

/** How fresh a lookup's answer must be, which each lookup names (see directory.ts). */
export type Purpose = "recent" | "fresh" | "freshById";

/** Lookups arriving within this of each other are decided together. */
export const BATCH_WINDOW_MS = 10;
/** The longest a batch of write lookups waits for company. */
export const MAX_HOLD_MS = 1_000;
/** How old a walk a "recent" lookup may share. */
const RECENT_MS = 10_000;

/** Where a new lookup goes: straight to a GET, onto the walk a refresh may share, or into the next batch. */
export function route(purpose: Purpose, hasUserId: boolean, shareable: boolean): "getById" | "share" | "batch" {
  if (purpose === "freshById" && hasUserId) return "getById";
  if (purpose === "recent" && shareable) return "share";
  return "batch";
}

/** Whether a walk may answer a "recent" lookup: started within RECENT_MS, and still reading or read to the end. */
export function shareable(walk: { startedAt: number; running: boolean; complete: boolean } | undefined, now: number): boolean {
  return walk !== undefined && now - walk.startedAt <= RECENT_MS && (walk.running || walk.complete);
}

/**
 * Whether a batch waits for more lookups: only write lookups, fewer waiting than this client's writes under
 * way (each that settles lets the engine start another step, whose lookup can join), and not for long.
 */
export function holdFor(batch: { purposes: Purpose[]; writesUnderWay: number; heldForMs: number }): number {
  const writesOnly = batch.purposes.every((purpose) => purpose !== "recent");
  const holding = writesOnly && batch.purposes.length < batch.writesUnderWay && batch.heldForMs < MAX_HOLD_MS;
  return holding ? MAX_HOLD_MS - batch.heldForMs : 0;
}

/**
 * How a batch is read: a walk costs its pages (known once a page reported the organization's size), N
 * lookups by id cost N GETs. The cheaper wins, and the walk on a tie (requests are what Astro limits, and a
 * walk keeps the size known); a lookup by email alone can only be answered by a walk; with the size
 * unknown, a walk (its first page costs what one GET does, and learns the size).
 */
export function readBatch(batch: { size: number; allHaveUserIds: boolean; knownSize: number | undefined }): "walk" | "getById" {
  if (!batch.allHaveUserIds || batch.knownSize === undefined) return "walk";
  return listPages(batch.knownSize) <= batch.size ? "walk" : "getById";
}

/**
 * Whether a walk reads on after a page: while a lookup by email alone waits (only a walk answers it), or
 * while the pages left cost no more than the lookups they would answer, counting, for a walk a refresh may
 * share, as many more refresh lookups as were seen so far. Otherwise the waiting ones are read by id.
 */
export function keepWalking(walk: { waiting: number; emailOnly: boolean; sharedReads: number; pagesLeft: number }): boolean {
  if (walk.pagesLeft === 0 || walk.emailOnly) return true;
  return walk.waiting + walk.sharedReads >= walk.pagesLeft;
}

/** Pages of the users list an organization of `users` takes. */
function listPages(users: number): number {
  return Math.max(1, Math.ceil(users / LIST_PAGE_SIZE));
}

/** Pages left to read of a list that reports `total` users, `read` of them read. */
export function pagesLeft(total: number, read: number): number {
  return Math.ceil(Math.max(0, total - read) / LIST_PAGE_SIZE);
}
