import { expect } from "chai";
import { ErrorBodySchema, InviteSchema, SubjectRolesSchema, UserSchema, UsersPageSchema } from "../../../provider/api/schemas";
import { Emulator, startEmulator } from "../../../provider/emulator/server";
import { call } from "../../support/http";
import { isLoopbackAddress } from "../../../provider/emulator/server";

describe("emulator: the Astro API's documented behaviour", () => {
  let emulator: Emulator;
  let org: string;
  beforeEach(async () => {
    emulator = await startEmulator({ rateLimits: false });
    org = emulator.organizationId;
  });
  afterEach(() => emulator.stop());

  const invite = (email: string, role = "ORGANIZATION_MEMBER", token?: string | null) =>
    call(emulator, "POST", `/organizations/${org}/invites`, { body: { inviteeEmail: email, role }, token });
  /** True when the connection dropped instead of an answer arriving. */
  const connectionDropped = (request: Promise<unknown>) =>
    request.then(
      () => false,
      () => true,
    );
  const users = async () => UsersPageSchema.parse((await call(emulator, "GET", `/organizations/${org}/users?limit=1000`)).body).users;

  it("answers an invite with the Invite shape and creates a PENDING user at once", async () => {
    const response = await invite("jane@example.com", "ORGANIZATION_OWNER");
    expect(response.status).to.equal(200);
    const body = InviteSchema.parse(response.body);
    expect(body.organizationId).to.equal(org);
    expect(body.invitee.username).to.equal("jane@example.com");
    expect(body.inviter.subjectType).to.equal("SERVICEKEY");
    expect(body.inviteId).to.match(/^c[a-z0-9]{24}$/);
    const [user] = await users();
    expect(user).to.include({
      id: body.invitee.id,
      username: "jane@example.com",
      status: "PENDING",
      organizationRole: "ORGANIZATION_OWNER",
    });
    const single = await call(emulator, "GET", `/organizations/${org}/users/${user.id}`);
    expect(UserSchema.parse(single.body).id).to.equal(user.id);
  });

  it("removes the pending user when the pending invite is deleted", async () => {
    const body = InviteSchema.parse((await invite("jane@example.com")).body);
    const response = await call(emulator, "DELETE", `/organizations/${org}/invites/${body.inviteId}`);
    expect(response.status).to.equal(204);
    expect(await users()).to.deep.equal([]);
  });

  it("refuses to invite an email that already has a role, with Astro's message", async () => {
    emulator.state.seedMember(org, "member@example.com", "ORGANIZATION_MEMBER");
    const response = await invite("Member@Example.com");
    expect(response.status).to.equal(400);
    expect(ErrorBodySchema.parse(response.body).message).to.equal(`Invalid request: Invitee has existing role in organization ${org}`);
  });

  it("answers 404 with Astro's Error body for unknown organizations, invites and users", async () => {
    emulator.state.createToken("all", ["cunknownorg00000000000000"]);
    for (const path of [
      `/organizations/${org}/invites/cnosuchinvite000000000000`,
      `/organizations/${org}/users/cnosuchuser0000000000000`,
    ]) {
      const response = await call(emulator, path.includes("invites") ? "DELETE" : "GET", path);
      expect(response.status, path).to.equal(404);
      expect(ErrorBodySchema.parse(response.body).statusCode).to.equal(404);
    }
    const response = await call(emulator, "GET", `/organizations/cunknownorg00000000000000/users`);
    expect(response.status).to.equal(404);
  });

  it("answers 401 without or with a bad token and 403 for a token without rights on the organization", async () => {
    expect((await invite("a@example.com", "ORGANIZATION_MEMBER", null)).status).to.equal(401);
    expect((await invite("a@example.com", "ORGANIZATION_MEMBER", "not-a-token")).status).to.equal(401);
    const other = emulator.createToken("other-org", []);
    const forbidden = await invite("a@example.com", "ORGANIZATION_MEMBER", other);
    expect(forbidden.status).to.equal(403);
    expect(ErrorBodySchema.parse(forbidden.body).message).to.contain("does not have access");
  });

  it("answers 403 for a token without the operation's permission", async () => {
    const readOnly = emulator.createToken("read-only", [org], ["organization.users.get"]);
    expect((await call(emulator, "GET", `/organizations/${org}/users`, { token: readOnly })).status).to.equal(200);
    const refused = await invite("a@example.com", "ORGANIZATION_MEMBER", readOnly);
    expect(refused.status).to.equal(403);
    expect(ErrorBodySchema.parse(refused.body).message).to.contain("organization.users.create");
  });

  it("answers 400 with fieldErrors for an invalid email or role", async () => {
    const response = await invite("not-an-email", "organization_owner");
    expect(response.status).to.equal(400);
    const fields = ErrorBodySchema.parse(response.body).fieldErrors!.map((f) => f.field);
    expect(fields).to.deep.equal(["inviteeEmail", "role"]);
    const roles = await call(
      emulator,
      "POST",
      `/organizations/${org}/users/${emulator.state.seedMember(org, "x@example.com", "ORGANIZATION_MEMBER")}/roles`,
      { body: { organizationRole: "BOSS" } },
    );
    expect(ErrorBodySchema.parse(roles.body).fieldErrors![0].field).to.equal("organizationRole");
  });

  it("changes an organization role and answers the SubjectRoles shape", async () => {
    const userId = emulator.state.seedMember(org, "x@example.com", "ORGANIZATION_MEMBER");
    const response = await call(emulator, "POST", `/organizations/${org}/users/${userId}/roles`, {
      body: { organizationRole: "ORGANIZATION_BILLING_ADMIN" },
    });
    expect(SubjectRolesSchema.parse(response.body).organizationRole).to.equal("ORGANIZATION_BILLING_ADMIN");
    expect((await users())[0].organizationRole).to.equal("ORGANIZATION_BILLING_ADMIN");
  });

  it("pages the user list and rejects a limit over 1000", async () => {
    for (let i = 0; i < 25; i++) emulator.state.seedMember(org, `user${String(i).padStart(2, "0")}@example.com`, "ORGANIZATION_MEMBER");
    const page = UsersPageSchema.parse((await call(emulator, "GET", `/organizations/${org}/users?offset=20&limit=10`)).body);
    expect(page).to.include({ offset: 20, limit: 10, totalCount: 25 });
    expect(page.users.map((u) => u.username)).to.deep.equal([
      "user20@example.com",
      "user21@example.com",
      "user22@example.com",
      "user23@example.com",
      "user24@example.com",
    ]);
    expect((await call(emulator, "GET", `/organizations/${org}/users?limit=1001`)).status).to.equal(400);
  });

  describe("test controls over HTTP", () => {
    it("accepts an invite: the user turns ACTIVE and the invite is gone", async () => {
      const body = InviteSchema.parse((await invite("jane@example.com")).body);
      expect((await call(emulator, "POST", `/_emulator/invites/${body.inviteId}/accept`)).status).to.equal(204);
      expect((await users())[0].status).to.equal("ACTIVE");
      expect((await call(emulator, "DELETE", `/organizations/${org}/invites/${body.inviteId}`)).status).to.equal(404);
    });

    it("accepts by email, moves the clock, changes and removes members, seeds members", async () => {
      await invite("jane@example.com");
      expect(
        (await call(emulator, "POST", `/_emulator/organizations/${org}/accept`, { body: { email: "jane@example.com" } })).status,
      ).to.equal(204);
      const clock = await call(emulator, "POST", "/_emulator/clock", { body: { advanceSeconds: 3600 } });
      expect(Date.parse((clock.body as { now: string }).now)).to.be.greaterThan(Date.now() + 3500_000);
      const seeded = await call(emulator, "POST", `/_emulator/organizations/${org}/members`, {
        body: { email: "sso@example.com", role: "ORGANIZATION_OWNER" },
      });
      const { userId } = seeded.body as { userId: string };
      await call(emulator, "POST", `/_emulator/organizations/${org}/users/${userId}/role`, { body: { role: "ORGANIZATION_MEMBER" } });
      expect((await users()).find((u) => u.id === userId)?.organizationRole).to.equal("ORGANIZATION_MEMBER");
      await call(emulator, "DELETE", `/_emulator/organizations/${org}/users/${userId}`);
      expect((await users()).map((u) => u.username)).to.deep.equal(["jane@example.com"]);
      const state = await call(emulator, "GET", "/_emulator/state");
      expect(JSON.stringify(state.body)).to.contain("jane@example.com");
    });

    it("creates organizations and tokens, and keeps a request log", async () => {
      const created = (await call(emulator, "POST", "/_emulator/organizations", { body: { name: "Second" } })).body as { id: string };
      const { token } = (await call(emulator, "POST", "/_emulator/tokens", { body: { name: "t2", organizationIds: [created.id] } }))
        .body as { token: string };
      expect((await call(emulator, "GET", `/organizations/${created.id}/users`, { token })).status).to.equal(200);
      const log = (await call(emulator, "GET", "/_emulator/log")).body as {
        requests: { method: string; status: number }[];
        counts: { byMethod: Record<string, number> };
      };
      expect(log.requests.at(-1)).to.include({ method: "GET", status: 200 });
      expect(log.counts.byMethod.GET).to.equal(1);
      await call(emulator, "DELETE", "/_emulator/log");
      expect(emulator.log).to.have.length(0);
    });

    it("refuses writes that are not application/json: a web page's cross-site text/plain POST mints nothing", async () => {
      const before = JSON.stringify(emulator.state.snapshot().organizations);
      for (const [method, path, type] of [
        ["POST", "/_emulator/tokens", "text/plain"],
        ["POST", "/_emulator/organizations", "application/x-www-form-urlencoded"],
        ["POST", `/_emulator/organizations/${org}/members`, undefined],
        ["PUT", "/_emulator/settings", "text/plain"],
      ] as const) {
        const response = await fetch(emulator.adminUrl.replace(/\/_emulator$/, "") + path, {
          method,
          headers: type ? { "Content-Type": type } : {},
          body: JSON.stringify({ name: "evil", organizationIds: [org], email: "evil@example.com", switches: { reinvitePending: "fresh" } }),
        });
        expect(response.status, `${method} ${path} ${type}`).to.equal(415);
        expect(await response.text()).to.contain("application/json");
      }
      expect(JSON.stringify(emulator.state.snapshot().organizations)).to.equal(before);
      expect(emulator.state.switches.reinvitePending).to.equal("reject");
    });

    it("answers loopback callers only (the check behind every admin request)", () => {
      for (const address of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "127.3.2.1"])
        expect(isLoopbackAddress(address), address).to.equal(true);
      for (const address of ["10.0.0.5", "192.168.1.2", "::ffff:10.0.0.5", "fe80::1", undefined])
        expect(isLoopbackAddress(address), String(address)).to.equal(false);
    });
  });

  describe("switches for what is not known about the API", () => {
    const setSwitches = (switches: object) => call(emulator, "PUT", "/_emulator/settings", { body: { switches } });

    it("re-inviting a pending email: 400 (reject) or a fresh invite replacing the old one (fresh)", async () => {
      const first = InviteSchema.parse((await invite("jane@example.com")).body);
      expect((await invite("jane@example.com", "ORGANIZATION_OWNER")).status).to.equal(400);
      await setSwitches({ reinvitePending: "fresh" });
      const second = InviteSchema.parse((await invite("jane@example.com", "ORGANIZATION_OWNER")).body);
      expect(second.inviteId).not.to.equal(first.inviteId);
      expect((await users())[0].organizationRole).to.equal("ORGANIZATION_OWNER");
      expect((await call(emulator, "DELETE", `/organizations/${org}/invites/${first.inviteId}`)).status).to.equal(404);
    });

    it("deleting an accepted or expired invite: 404 or 204", async () => {
      const accepted = InviteSchema.parse((await invite("a@example.com")).body);
      emulator.state.acceptInvite(accepted.inviteId);
      const expired = InviteSchema.parse((await invite("b@example.com")).body);
      emulator.state.advanceClock(8 * 24 * 3600);
      expect((await call(emulator, "DELETE", `/organizations/${org}/invites/${accepted.inviteId}`)).status).to.equal(404);
      expect((await call(emulator, "DELETE", `/organizations/${org}/invites/${expired.inviteId}`)).status).to.equal(404);
      await setSwitches({ deleteAfterAcceptance: "204" });
      expect((await call(emulator, "DELETE", `/organizations/${org}/invites/${accepted.inviteId}`)).status).to.equal(204);
      expect((await call(emulator, "DELETE", `/organizations/${org}/invites/${expired.inviteId}`)).status).to.equal(204);
      expect((await users()).map((u) => u.username)).to.deep.equal(["a@example.com"]);
    });

    it("the pending user after expiry: kept as PENDING, or removed; an expired invite can be re-sent", async () => {
      await invite("jane@example.com");
      emulator.state.advanceClock(8 * 24 * 3600);
      expect((await users())[0].status).to.equal("PENDING");
      await setSwitches({ pendingAfterExpiry: "remove" });
      expect(await users()).to.deep.equal([]);
      expect((await invite("jane@example.com")).status).to.equal(200);
      expect((await users())[0].status).to.equal("PENDING");
    });

    it("sets the invite lifetime", async () => {
      await setSwitches({ inviteLifetimeSeconds: 60 });
      const body = InviteSchema.parse((await invite("jane@example.com")).body);
      expect(Date.parse(body.expiresAt) - Date.now()).to.be.within(55_000, 61_000);
    });

    it("429 with or without Retry-After", async () => {
      await call(emulator, "PUT", "/_emulator/settings", { body: { rateLimits: { GET: 25, POST: 2, DELETE: 5 } } });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push(await invite(`u${i}@example.com`));
      expect(statuses.map((r) => r.status)).to.deep.equal([200, 200, 429]);
      expect(statuses[2].headers.get("retry-after")).to.equal("1");
      expect(ErrorBodySchema.parse(statuses[2].body).statusCode).to.equal(429);
      await setSwitches({ retryAfterOn429: false });
      const again = await invite("u9@example.com");
      expect(again.status).to.equal(429);
      expect(again.headers.get("retry-after")).to.equal(null);
    });
  });

  describe("rate limits and faults", () => {
    it("enforces Astro's per-token limits by default and per token", async () => {
      const limited = await startEmulator();
      try {
        const burst = await Promise.all(
          Array.from({ length: 14 }, (_, i) =>
            call(limited, "POST", `/organizations/${limited.organizationId}/invites`, {
              body: { inviteeEmail: `b${i}@example.com`, role: "ORGANIZATION_MEMBER" },
            }),
          ),
        );
        const throttled = burst.filter((r) => r.status === 429).length;
        expect(throttled).to.be.within(3, 4);
        expect(limited.counts().throttled).to.equal(throttled);
        const other = limited.createToken("second", [limited.organizationId]);
        expect(
          (
            await call(limited, "POST", `/organizations/${limited.organizationId}/invites`, {
              body: { inviteeEmail: "c@example.com", role: "ORGANIZATION_MEMBER" },
              token: other,
            })
          ).status,
        ).to.equal(200);
      } finally {
        await limited.stop();
      }
    });

    it("injects errors on exact calls of one operation", async () => {
      emulator.faults.add({ kind: "503", operation: "createInvite", calls: [2] });
      expect((await invite("a@example.com")).status).to.equal(200);
      expect((await invite("b@example.com")).status).to.equal(503);
      expect((await invite("b@example.com")).status).to.equal(200);
      expect((await call(emulator, "GET", `/organizations/${org}/users`)).status).to.equal(200);
      expect(emulator.log.map((e) => e.fault)).to.deep.equal([undefined, "503", undefined, undefined]);
    });

    it("injects by seeded probability, reproducibly", async () => {
      const run = async () => {
        await call(emulator, "PUT", "/_emulator/settings", { body: { seed: 42 } });
        await call(emulator, "DELETE", "/_emulator/faults");
        await call(emulator, "POST", "/_emulator/faults", { body: { rules: [{ kind: "500", probability: 0.5 }] } });
        const statuses = [];
        for (let i = 0; i < 20; i++) statuses.push((await call(emulator, "GET", `/organizations/${org}/users`)).status);
        return statuses;
      };
      const first = await run();
      expect(first).to.include(500).and.to.include(200);
      expect(await run()).to.deep.equal(first);
    });

    it("resets the connection before handling: nothing is written", async () => {
      emulator.faults.add({ kind: "reset", operation: "createInvite", calls: [1] });
      expect(await connectionDropped(invite("a@example.com"))).to.equal(true);
      expect(await users()).to.deep.equal([]);
    });

    it("commits, then drops the connection: the write happened", async () => {
      emulator.faults.add({ kind: "commitThenReset", operation: "createInvite", calls: [1] });
      expect(await connectionDropped(invite("a@example.com"))).to.equal(true);
      expect((await users()).map((u) => u.username)).to.deep.equal(["a@example.com"]);
      expect(emulator.log[0]).to.include({ status: 0, fault: "commitThenReset" });
    });

    it("adds latency, and a window of 429s", async () => {
      emulator.faults.add({ kind: "latency", latencyMs: 300, calls: [1] });
      const started = Date.now();
      await call(emulator, "GET", `/organizations/${org}/users`);
      expect(Date.now() - started).to.be.at.least(290);
      emulator.faults.clear();
      emulator.faults.add({ kind: "429", durationMs: 300, retryAfterSeconds: 1 });
      expect((await call(emulator, "GET", `/organizations/${org}/users`)).status).to.equal(429);
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect((await call(emulator, "GET", `/organizations/${org}/users`)).status).to.equal(200);
    });

    it("opens a window of faults at the first matching request, however late it comes", async () => {
      emulator.faults.add({ kind: "429", operation: "getUser", durationMs: 300, retryAfterSeconds: 1 });
      // A slow client: its first request arrives after the window would have closed had it opened when added.
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect((await call(emulator, "GET", `/organizations/${org}/users`)).status).to.equal(200);
      expect((await call(emulator, "GET", `/organizations/${org}/users/cnobody`)).status).to.equal(429);
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect((await call(emulator, "GET", `/organizations/${org}/users/cnobody`)).status).to.equal(404);
    });

    it("adds a fixed latency to every API request", async () => {
      emulator.settings.latencyMs = 100;
      const started = Date.now();
      await call(emulator, "GET", `/organizations/${org}/users`);
      expect(Date.now() - started).to.be.at.least(95);
    });
  });
});
