import { AstroClient, LIST_PAGE_SIZE } from "./client";
import { emailKey, User } from "./schemas";

/**
 * Invitee lookups shared by every resource of a stack. Pulumi runs all of a stack's dynamic resources
 * in one provider process, one CLI command per process, so lookups that arrive close together can share
 * reads of the organization's users list: a page answers up to 1000 lookups, where each would otherwise
 * cost a GET of its own.
 *
 * - Batches: lookups arriving within BATCH_WINDOW_MS of each other are decided together. A walk of the
 *   list costs its pages (known once one page reported the total); N lookups by id cost N GETs. The
 *   batch takes the cheaper, and the walk on a tie (requests are what Astro limits, and a walk keeps the
 *   size known); a lookup by email alone can only be answered by a walk. With the size not yet known, a
 *   batch starts walking (a first page costs what one GET does, and learns the size), and after each
 *   page goes on only while the pages left cost no more than the lookups they would answer
 *   (worthFinishing); the rest are read by id.
 * - Freshness, which each lookup names: "fresh" and "freshById" (before a write) are answered only by
 *   reads that start after it was asked: a walk started by its own batch, or its own GET. So a decision to revoke,
 *   re-invite or demote rests on a read as fresh as a per-user GET made at the same moment. A refresh
 *   ("recent") may also be answered by a walk started up to READ_REUSE_MS earlier in this process, unless
 *   a write of this client settled since: refresh only reports, and the walk is then as old as the
 *   refresh command itself, give or take seconds.
 * - Waiting for company: write lookups of a destroy or of role changes arrive one at a time, as the
 *   engine starts a step each time an earlier one's write settles (writes wait on Astro's limits). While
 *   this client has writes under way, a batch of write lookups is held until as many lookups wait as
 *   writes remain ahead of them, or for MAX_HOLD_MS: the writes still queued keep the API busy while the
 *   batch grows, so a walk answers several lookups without slowing the writes, and still starts after
 *   every lookup it answers was asked.
 * - "freshById" (before a role change, when the state says the user accepted and holds another role
 *   than the one about to be set): one GET by id, the freshest read of one person there is, and cheaper
 *   than any walk of an organization larger than a page.
 * - Failures: when a page or a GET fails after its retries, every lookup waiting on it gets the error.
 */
export type Purpose = "recent" | "fresh" | "freshById";

/** Who is looked up: by the user id state holds, if any, else (or when that id is gone) by email. */
export interface Lookup {
  userId?: string;
  email: string;
}

const BATCH_WINDOW_MS = 10;
const MAX_HOLD_MS = 1_000;
const READ_REUSE_MS = 10_000;

interface Waiter {
  lookup: Lookup;
  purpose: Purpose;
  askedAt: number;
  resolve(user: User | undefined): void;
  reject(error: unknown): void;
}

/** One walk of the list: the users read so far, and the lookups it still has to answer. */
interface Walk {
  startedAt: number;
  byId: Map<string, User>;
  byEmail: Map<string, User>;
  waiters: Waiter[];
  /** It read to the end of the list: a lookup it cannot answer is of someone not in the organization. */
  complete: boolean;
  /** Still reading pages: waiters may join. */
  running: boolean;
  /** Started for a refresh lookup: later refresh lookups may use it. */
  shareable: boolean;
}

export class UserDirectory {
  private queue: Waiter[] = [];
  /** The batch window: lookups arriving while it is open are decided together when it closes. */
  private window: NodeJS.Timeout | undefined;
  /** Set while a batch of write lookups is held for company: the latest it may wait. */
  private hold: NodeJS.Timeout | undefined;
  private latest: Walk | undefined;
  /** The organization's size as the last page reported it. */
  private knownSize: number | undefined;
  /** Refresh lookups made so far: a refresh reads every resource, so as many are likely to follow. */
  private readsSeen = 0;

  constructor(
    private readonly client: AstroClient,
    private readonly organizationId: string,
  ) {
    client.onWriteSettled(() => {
      // A walk from before a write may not show it: later refresh lookups read again.
      this.latest = undefined;
      // The step whose write settled ends, and the engine starts another: its lookup gets a window to join.
      if (this.queue.length > 0) this.openWindow();
    });
  }

  find(lookup: Lookup, purpose: Purpose): Promise<User | undefined> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { lookup, purpose, askedAt: Date.now(), resolve, reject };
      if (purpose === "freshById" && lookup.userId) return void this.getById(waiter);
      if (purpose === "recent") this.readsSeen++;
      const shared = purpose === "recent" ? this.reusable() : undefined;
      if (shared) return this.join(shared, waiter);
      this.queue.push(waiter);
      this.openWindow();
    });
  }

  private openWindow(): void {
    this.window ??= setTimeout(() => {
      this.window = undefined;
      this.decide();
    }, BATCH_WINDOW_MS);
  }

  /** Reads for the waiting batch now, or holds it for more write lookups to join (see the class comment). */
  private decide(): void {
    if (this.queue.length === 0) return;
    clearTimeout(this.hold);
    this.hold = undefined;
    const heldFor = Date.now() - this.queue[0].askedAt;
    const holding =
      this.queue.every((waiter) => waiter.purpose !== "recent") && this.queue.length < this.client.writesUnderWay && heldFor < MAX_HOLD_MS;
    if (holding) this.hold = setTimeout(() => this.decide(), MAX_HOLD_MS - heldFor);
    else this.flush();
  }

  /** A walk a refresh may share: started within READ_REUSE_MS, and still reading or read to the end. */
  private reusable(): Walk | undefined {
    const walk = this.latest;
    if (!walk || Date.now() - walk.startedAt > READ_REUSE_MS) return undefined;
    return walk.running || walk.complete ? walk : undefined;
  }

  private join(walk: Walk, waiter: Waiter): void {
    const user = answer(walk, waiter.lookup);
    if (user) waiter.resolve(user);
    else if (walk.complete) this.absentFromWalk(waiter);
    else walk.waiters.push(waiter);
  }

  /**
   * A lookup a complete walk did not answer. By email alone, the walk is the proof (listUsers accounts for
   * this client's own writes during it). A known user id is confirmed by a GET before "not found" decides
   * a write or drops a resource: someone else's change during the walk can hide a user from it, and
   * treating a present Owner as gone would skip their demotion.
   */
  private absentFromWalk(waiter: Waiter): void {
    if (waiter.lookup.userId) void this.getById(waiter);
    else waiter.resolve(undefined);
  }

  private flush(): void {
    const batch = this.queue.splice(0);
    const byIdOnly = batch.every((waiter) => waiter.lookup.userId);
    const pages = this.knownSize === undefined ? undefined : Math.max(1, Math.ceil(this.knownSize / LIST_PAGE_SIZE));
    const walkIsCheaper = pages === undefined || pages <= batch.length;
    if (byIdOnly && !walkIsCheaper) batch.forEach((waiter) => void this.getById(waiter));
    else void this.walk(batch);
  }

  private async walk(waiters: Waiter[]): Promise<void> {
    const shareable = waiters.some((waiter) => waiter.purpose === "recent");
    const walk: Walk = { startedAt: Date.now(), byId: new Map(), byEmail: new Map(), waiters, complete: false, running: true, shareable };
    this.latest = walk;
    let stoppedEarly = false;
    try {
      for await (const page of this.client.listUsers(this.organizationId)) {
        this.knownSize = page.totalCount;
        for (const user of page.users) {
          walk.byId.set(user.id, user);
          // Two users whose emails differ only in case: the first listed answers, as in findUserByEmail.
          if (!walk.byEmail.has(emailKey(user.username))) walk.byEmail.set(emailKey(user.username), user);
        }
        walk.waiters = walk.waiters.filter((waiter) => {
          const user = answer(walk, waiter.lookup);
          if (user) waiter.resolve(user);
          return !user;
        });
        const pagesLeft = Math.ceil(Math.max(0, page.totalCount - walk.byId.size) / LIST_PAGE_SIZE);
        if (pagesLeft > 0 && !this.worthFinishing(walk, pagesLeft)) {
          stoppedEarly = true;
          break;
        }
      }
      walk.complete = !stoppedEarly;
    } catch (error) {
      walk.running = false;
      for (const waiter of walk.waiters.splice(0)) waiter.reject(error);
      return;
    }
    walk.running = false;
    // Stopped early: each is looked up by id. Complete: see absentFromWalk.
    for (const waiter of walk.waiters.splice(0)) {
      if (walk.complete) this.absentFromWalk(waiter);
      else void this.getById(waiter);
    }
  }

  /**
   * Whether the rest of the list costs no more than the lookups it would answer: those still waiting (a
   * lookup by email alone can only be answered by a walk) and, for a walk a refresh may share, as many
   * more refresh lookups as were seen so far. Otherwise the waiting ones are read by id.
   */
  private worthFinishing(walk: Walk, pagesLeft: number): boolean {
    if (walk.waiters.some((waiter) => !waiter.lookup.userId)) return true;
    const sharedReads = walk.shareable ? this.readsSeen : 0;
    return walk.waiters.length + sharedReads >= pagesLeft;
  }

  /** One GET by id; a user gone by that id is looked up again by email (a re-created user has a new id). */
  private async getById(waiter: Waiter): Promise<void> {
    try {
      const user = await this.client.getUser(this.organizationId, waiter.lookup.userId!);
      if (user) waiter.resolve(user);
      else waiter.resolve(await this.find({ email: waiter.lookup.email }, waiter.purpose));
    } catch (error) {
      waiter.reject(error);
    }
  }
}

function answer(walk: Walk, lookup: Lookup): User | undefined {
  return (lookup.userId ? walk.byId.get(lookup.userId) : undefined) ?? walk.byEmail.get(emailKey(lookup.email));
}

const directories = new WeakMap<AstroClient, Map<string, UserDirectory>>();

/** The directory of one organization as one client (API URL and token) sees it, shared by its callers. */
export function directoryFor(client: AstroClient, organizationId: string): UserDirectory {
  let byOrganization = directories.get(client);
  if (!byOrganization) directories.set(client, (byOrganization = new Map()));
  let directory = byOrganization.get(organizationId);
  if (!directory) byOrganization.set(organizationId, (directory = new UserDirectory(client, organizationId)));
  return directory;
}
