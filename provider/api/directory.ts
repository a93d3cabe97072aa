import { AstroClient, UsersFilter } from "./client";
import { BATCH_WINDOW_MS, holdFor, keepWalking, pagesLeft, Purpose, readBatch, route, shareable } from "./lookup-policy";
import { Deployment, emailKey, User, Workspace, WorkspaceRoleEntry } from "./schemas";

export type { Purpose } from "./lookup-policy";

/**
 * Invitee lookups shared by every resource of a stack. Pulumi runs all of a stack's dynamic resources
 * in one provider process, one CLI command per process, so lookups that arrive close together can share
 * reads of the organization's users list: a page answers up to 1000 lookups, where each would otherwise
 * cost a GET of its own. What is decided (which lookups share a walk, when a walk is fresh enough, a walk
 * or GETs, when to wait for company) is lookup-policy.ts; this is the reading around it.
 *
 * - Freshness, which each lookup names: "fresh" and "freshById" (before a write) are answered only by
 *   reads that start after they were asked: a walk started by their own batch, or their own GET. So a
 *   decision to revoke, re-invite or demote rests on a read as fresh as a per-user GET made at that
 *   moment. A refresh ("recent") may also share a recent walk of this process, unless a write of this
 *   client settled since: refresh only reports.
 * - Waiting for company: write lookups of a destroy or of role changes arrive one at a time, as the
 *   engine starts a step each time an earlier one's write settles; while writes are queued, a batch of
 *   them is held briefly so that one walk answers several without slowing the writes.
 * - Absence: see absentFromWalk. Failures: when a page or a GET fails after its retries, every lookup
 *   waiting on it gets the error.
 */

/** Who is looked up: by the user id state holds, if any, else (or when that id is gone) by email. */
export interface Lookup {
  userId?: string;
  email: string;
}

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
  /** Walks of one workspace's users (role lists filled), shared by this process's refreshes. */
  private workspaceWalks = new Map<string, Promise<Map<string, WorkspaceRoleEntry[]>>>();
  private workspaceList: Promise<Workspace[]> | undefined;
  /** Walks of one Deployment's users (role lists filled), shared like the workspace walks. */
  private deploymentWalks = new Map<string, Promise<Map<string, Pick<User, "deploymentRoles" | "dagRoles">>>>();
  private deploymentList: Promise<Deployment[]> | undefined;

  constructor(
    private readonly client: AstroClient,
    private readonly organizationId: string,
  ) {
    client.onWriteSettled(() => {
      // A walk from before a write may not show it: later refresh lookups read again.
      this.latest = undefined;
      this.workspaceWalks.clear();
      this.deploymentWalks.clear();
      // The step whose write settled ends, and the engine starts another: its lookup gets a window to join.
      if (this.queue.length > 0) this.openWindow();
    });
  }

  find(lookup: Lookup, purpose: Purpose): Promise<User | undefined> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { lookup, purpose, askedAt: Date.now(), resolve, reject };
      if (purpose === "recent") this.readsSeen++;
      switch (route(purpose, lookup.userId !== undefined, shareable(this.latest, Date.now()))) {
        case "getById":
          return void this.getById(waiter);
        case "share":
          return this.join(this.latest!, waiter);
        case "batch":
          this.queue.push(waiter);
          this.openWindow();
      }
    });
  }

  /**
   * The workspace roles of everyone with a role in one workspace, by user id: one walk of the users list
   * filtered by that workspace (a page per 1000 people), shared by every refresh of this process, instead
   * of a read by id per person. Only for refresh: it reports, and decides no write.
   */
  workspaceRoles(workspaceId: string): Promise<Map<string, WorkspaceRoleEntry[]>> {
    return this.sharedWalk(this.workspaceWalks, { workspaceId }, (user) => user.workspaceRoles ?? []);
  }

  /**
   * The Deployment and DAG roles of everyone with a role on one Deployment, by user id: one walk of the
   * users list filtered by that Deployment, shared as workspaceRoles' walks are. Only for refresh.
   */
  deploymentRoles(deploymentId: string): Promise<Map<string, Pick<User, "deploymentRoles" | "dagRoles">>> {
    return this.sharedWalk(this.deploymentWalks, { deploymentId }, ({ deploymentRoles, dagRoles }) => ({ deploymentRoles, dagRoles }));
  }

  /** One walk of the users list with this filter, what `pick` keeps of each user by id, kept in `walks` until a write. */
  private sharedWalk<T>(
    walks: Map<string, Promise<Map<string, T>>>,
    filter: UsersFilter,
    pick: (user: User) => T,
  ): Promise<Map<string, T>> {
    const key = Object.values(filter).join("/");
    let walk = walks.get(key);
    if (!walk) {
      walk = (async () => {
        const found = new Map<string, T>();
        for await (const { users } of this.client.listUsers(this.organizationId, filter)) {
          for (const user of users) found.set(user.id, pick(user));
        }
        return found;
      })();
      walks.set(key, walk);
      // A failed walk is not kept: the next refresh that needs it tries again.
      walk.catch(() => walks.delete(key));
    }
    return walk;
  }

  /** The organization's Deployments with their workspaces, read once per process. */
  deployments(): Promise<Deployment[]> {
    this.deploymentList ??= this.client.listDeployments(this.organizationId);
    this.deploymentList.catch(() => (this.deploymentList = undefined));
    return this.deploymentList;
  }

  /** The organization's workspaces, read once per process. */
  workspaces(): Promise<Workspace[]> {
    this.workspaceList ??= this.client.listWorkspaces(this.organizationId);
    this.workspaceList.catch(() => (this.workspaceList = undefined));
    return this.workspaceList;
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
    const waitMs = holdFor({
      purposes: this.queue.map((waiter) => waiter.purpose),
      writesUnderWay: this.client.writesUnderWay,
      heldForMs: Date.now() - this.queue[0].askedAt,
    });
    if (waitMs > 0) this.hold = setTimeout(() => this.decide(), waitMs);
    else this.flush();
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
    const allHaveUserIds = batch.every((waiter) => waiter.lookup.userId);
    if (readBatch({ size: batch.length, allHaveUserIds, knownSize: this.knownSize }) === "getById") {
      batch.forEach((waiter) => void this.getById(waiter));
    } else {
      void this.walk(batch);
    }
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
        const onward = keepWalking({
          waiting: walk.waiters.length,
          emailOnly: walk.waiters.some((waiter) => !waiter.lookup.userId),
          sharedReads: walk.shareable ? this.readsSeen : 0,
          pagesLeft: pagesLeft(page.totalCount, walk.byId.size),
        });
        if (!onward) {
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
