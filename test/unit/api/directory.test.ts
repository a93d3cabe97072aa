import { expect } from "chai";
import { AstroClient } from "../../../provider/api/client";
import { AstroApiError } from "../../../provider/api/errors";
import { UserDirectory } from "../../../provider/api/directory";
import { Emulator, startEmulator } from "../../../provider/emulator/server";

/** Shared lookups against the emulator over real HTTP: what they cost, how fresh they are, how they fail. */
describe("UserDirectory: invitee lookups shared through the users list", () => {
  let emulator: Emulator;
  let org: string;
  let client: AstroClient;
  beforeEach(async () => {
    emulator = await startEmulator({ rateLimits: false });
    org = emulator.organizationId;
    client = new AstroClient({
      token: emulator.token,
      baseUrl: emulator.apiUrl,
      rateLimits: false,
      retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 },
    });
  });
  afterEach(() => emulator.stop());

  const seed = (count: number, prefix: string) =>
    Array.from({ length: count }, (_, i) =>
      emulator.state.seedMember(org, `${prefix}${String(i).padStart(5, "0")}@example.com`, "ORGANIZATION_MEMBER"),
    );
  const requests = () => {
    const lists = emulator.log.filter((e) => e.operation === "listUsers").length;
    const gets = emulator.log.filter((e) => e.operation === "getUser").length;
    return { lists, gets };
  };

  it("a large stack in a small organization: 1000 lookups in an organization of 1200 cost 2 list pages", async () => {
    const ids = seed(1200, "a");
    emulator.log.length = 0;
    const directory = new UserDirectory(client, org);
    // Users 200 to 1199: on both pages of the list.
    const wanted = ids.slice(200);
    const found = await Promise.all(
      wanted.map((userId, i) => directory.find({ userId, email: `a${String(i + 200).padStart(5, "0")}@example.com` }, "fresh")),
    );
    expect(found.map((u) => u?.id)).to.deep.equal(wanted);
    expect(requests()).to.deep.equal({ lists: 2, gets: 0 });
  });

  it("a small stack in a large organization: 5 lookups in an organization of 20,000 cost 5 GETs once its size is known", async function () {
    this.timeout(120_000);
    seed(20_000, "a");
    // Sorted last, so that the first page of the list does not hold them.
    const ids = seed(5, "zz");
    emulator.log.length = 0;
    const directory = new UserDirectory(client, org);
    const lookups = () =>
      Promise.all(ids.map((userId, i) => directory.find({ userId, email: `zz${String(i).padStart(5, "0")}@example.com` }, "fresh")));
    expect((await lookups()).map((u) => u?.id)).to.deep.equal(ids);
    // The size is not known yet: one page learns it (20 pages to walk), then the five are read by id.
    expect(requests()).to.deep.equal({ lists: 1, gets: 5 });
    emulator.log.length = 0;
    expect((await lookups()).map((u) => u?.id)).to.deep.equal(ids);
    expect(requests()).to.deep.equal({ lists: 0, gets: 5 });
  });

  it("a refresh arriving eight at a time (the engine's parallelism) shares one walk: 1000 reads in an organization of 1200 cost 2 pages", async () => {
    const ids = seed(1200, "a");
    emulator.log.length = 0;
    const directory = new UserDirectory(client, org);
    const wanted = ids.slice(200);
    for (let i = 0; i < wanted.length; i += 8) {
      const batch = wanted.slice(i, i + 8);
      const found = await Promise.all(batch.map((userId) => directory.find({ userId, email: "unused@example.com" }, "recent")));
      expect(found.map((u) => u?.id)).to.deep.equal(batch);
    }
    expect(requests()).to.deep.equal({ lists: 2, gets: 0 });
  });

  it("lookups by email alone are answered by a walk; someone not in the organization is undefined", async () => {
    seed(30, "a");
    emulator.log.length = 0;
    const directory = new UserDirectory(client, org);
    const [a, nobody] = await Promise.all([
      directory.find({ email: "A00007@example.com" }, "fresh"),
      directory.find({ email: "nobody@example.com" }, "fresh"),
    ]);
    expect(a?.username).to.equal("a00007@example.com");
    expect(nobody).to.equal(undefined);
    expect(requests()).to.deep.equal({ lists: 1, gets: 0 });
  });

  it("a user re-created with a new id is found by email", async () => {
    const [id] = seed(3, "a");
    const directory = new UserDirectory(client, org);
    expect((await directory.find({ userId: "cstale000000000000000000", email: "a00001@example.com" }, "fresh"))?.id).not.to.equal(id);
    expect((await directory.find({ userId: "cstale000000000000000000", email: "a00000@example.com" }, "fresh"))?.id).to.equal(id);
  });

  it("a batch that fails hands the error to every waiter", async () => {
    const ids = seed(10, "a");
    emulator.faults.add({ kind: "500", operation: "listUsers" });
    const directory = new UserDirectory(client, org);
    const outcomes = await Promise.allSettled([
      ...ids.map((userId) => directory.find({ userId, email: "x@example.com" }, "fresh")),
      directory.find({ email: "a00003@example.com" }, "recent"),
    ]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(Array(11).fill("rejected"));
    for (const outcome of outcomes) {
      const reason = (outcome as PromiseRejectedResult).reason;
      expect(reason).to.be.instanceOf(AstroApiError);
      expect(reason.message).to.contain("listUsers failed (HTTP 500)");
    }
    expect(requests()).to.deep.equal({ lists: 3, gets: 0 });
  });

  it("write lookups arriving one at a time behind writes under way wait for company: 6 lookups cost at most 3 reads, each as fresh as its own GET", async () => {
    const members = seed(6, "m");
    const invites = await Promise.all(
      ["p1", "p2", "p3", "p4", "p5", "p6"].map((name) => client.createInvite(org, `${name}@example.com`, "ORGANIZATION_MEMBER")),
    );
    // Deletes paced at 10/s, as Astro's limits pace a destroy: they settle one at a time, 100 ms apart.
    const paced = new AstroClient({ token: emulator.token, baseUrl: emulator.apiUrl, rateLimits: { DELETE: 10 } });
    const directory = new UserDirectory(paced, org);
    emulator.log.length = 0;
    // As the engine does, each settled write starts the next step, whose first act is a lookup. The role
    // changed out of band just before the lookup was asked must be seen: no read older than the ask answers it.
    const found = await Promise.all(
      invites.map((invite, i) =>
        paced.deleteInvite(org, invite.outcome === "created" ? invite.invite.inviteId : "").then(() => {
          emulator.state.setRoleOutOfBand(org, members[i], "ORGANIZATION_OWNER");
          return directory.find({ userId: members[i], email: `m${String(i).padStart(5, "0")}@example.com` }, "fresh");
        }),
      ),
    );
    expect(found.map((user) => [user?.id, user?.organizationRole])).to.deep.equal(members.map((id) => [id, "ORGANIZATION_OWNER"]));
    const { lists, gets } = requests();
    // One read per lookup before (6 GETs); now the first three share a walk, the next two another, the last reads alone.
    expect(lists + gets).to.be.at.most(3);
  });

  it("fresh enough to write on: a write lookup never reuses a walk that started before it; a refresh may", async () => {
    const ids = seed(3, "a");
    const directory = new UserDirectory(client, org);
    const lookup = (freshness: "recent" | "fresh") => directory.find({ userId: ids[1], email: "a00001@example.com" }, freshness);
    await Promise.all([lookup("recent"), directory.find({ userId: ids[0], email: "a00000@example.com" }, "recent")]);
    emulator.state.setRoleOutOfBand(org, ids[1], "ORGANIZATION_OWNER");
    emulator.log.length = 0;
    expect((await lookup("recent"))?.organizationRole).to.equal("ORGANIZATION_MEMBER");
    expect(requests()).to.deep.equal({ lists: 0, gets: 0 });
    expect((await lookup("fresh"))?.organizationRole).to.equal("ORGANIZATION_OWNER");
    // A read of its own: the one-page list, as cheap as a GET by id.
    expect(requests()).to.deep.equal({ lists: 1, gets: 0 });
    // A refresh after a write of this client reads again: the walk before it may not show it.
    const invited = await client.createInvite(org, "new@example.com", "ORGANIZATION_MEMBER");
    const newcomer = invited.outcome === "created" ? invited.invite.invitee.id : "";
    expect((await directory.find({ userId: newcomer, email: "new@example.com" }, "recent"))?.status).to.equal("PENDING");
    expect(requests()).to.deep.equal({ lists: 2, gets: 0 });
  });

  describe("absence is proven before it decides anything (revocations shift the paged list)", () => {
    // 1000 members sort before the team: 30 pending invitees of this client's, then 30 accepted members
    // sorted just past the first page. Revoking the invitees while the list is read moves everyone after
    // them up, across the page boundary.
    const team = async () => {
      seed(970, "a");
      const pending: string[] = [];
      for (let i = 0; i < 30; i++) {
        const created = await client.createInvite(org, `b${String(i).padStart(5, "0")}@example.com`, "ORGANIZATION_MEMBER");
        if (created.outcome !== "created") throw new Error(created.outcome);
        pending.push(created.invite.inviteId);
      }
      const owners = seed(30, "c");
      emulator.faults.add({ kind: "latency", operation: "listUsers", latencyMs: 300, probability: 1 });
      return { pending, owners, ownerEmail: (i: number) => `c${String(i).padStart(5, "0")}@example.com` };
    };
    /** Revokes the invites one by one while `during` runs, each revocation landing between two reads. */
    const revokeDuring = async <T>(pending: string[], during: Promise<T>): Promise<T> => {
      const revocations = (async () => {
        for (const inviteId of pending) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          await client.deleteInvite(org, inviteId);
        }
      })();
      const [result] = await Promise.all([during, revocations]);
      return result;
    };

    it("a walk of the list sees every user past the boundary while this client revokes in front of it", async () => {
      const { pending, owners } = await team();
      const walked = await revokeDuring(
        pending,
        (async () => {
          const ids: string[] = [];
          for await (const page of client.listUsers(org)) {
            ids.push(...page.users.map((u) => u.id));
            // The consumer takes its time: revocations land between the pages.
            await new Promise((resolve) => setTimeout(resolve, 400));
          }
          return ids;
        })(),
      );
      expect(owners.filter((id) => !walked.includes(id))).to.deep.equal([]);
      expect(new Set(walked).size).to.equal(walked.length);
    });

    it("a known user the walk missed is confirmed by a GET: write lookups of accepted members all find them", async () => {
      const { pending, owners, ownerEmail } = await team();
      const directory = new UserDirectory(client, org);
      const found = await revokeDuring(
        pending,
        Promise.all(owners.map((userId, i) => directory.find({ userId, email: ownerEmail(i) }, "fresh"))),
      );
      expect(found.map((user) => user?.id)).to.deep.equal(owners);
    });

    it("a user who really left is gone by id and by email: undefined, after a GET and a walk", async () => {
      const [id] = seed(1, "gone");
      const directory = new UserDirectory(client, org);
      emulator.state.removeUserOutOfBand(org, id);
      emulator.log.length = 0;
      expect(await directory.find({ userId: id, email: "gone00000@example.com" }, "fresh")).to.equal(undefined);
      expect(emulator.log.map((e) => e.operation)).to.include.members(["getUser", "listUsers"]);
    });
  });
});
