import { expect } from "chai";
import * as lifecycle from "../../../provider/invite/lifecycle";
import { PartialStateError } from "../../../provider/process";
import { inputsOf, InviteState } from "../../../provider/invite/schema";
import { Emulator, startEmulator } from "../../../provider/emulator/server";
import { AstroClient } from "../../../provider/api/client";
import { assertNoUndefined, configureFor, createInvite, warningsOf } from "../../support/lifecycle";

describe("lifecycle: create, read, update, delete against the emulator", () => {
  let emulator: Emulator;
  let org: string;
  beforeEach(async () => {
    emulator = await startEmulator({ rateLimits: false });
    org = emulator.organizationId;
    await configureFor(emulator);
  });
  afterEach(() => emulator.stop());

  const users = () => emulator.organization().users;
  const user = (email: string) => users().find((u) => u.username === email);
  const pendingInvites = () => emulator.organization().invites.filter((i) => i.state === "pending");
  const writes = () =>
    emulator.log.filter((e) => e.method !== "GET").map((e) => `${e.method} ${e.path.replace(/\/v1\/organizations\/[^/]+/, "")}`);
  /** What the program declared for an invite whose state is `outs`, with `changes`. */
  const declared = (outs: InviteState, changes: Partial<InviteState> = {}) => ({ ...inputsOf(outs), ...changes });
  const update = async (id: string, olds: InviteState, changes: Partial<InviteState>) =>
    (await lifecycle.update(id, { ...olds }, declared(olds, changes))).outs;
  // A destroy is its own command, which Configure opens: a delete never shares an operation with the create
  // of its own resource (in one operation, that is the old half of a move: see the hand-over test).
  const destroy = async (id: string, props: Record<string, unknown>) => {
    await configureFor(emulator);
    return lifecycle.remove(id, props);
  };
  // Each refresh is its own command, which Configure opens (reads are shared within a command, not across).
  const refresh = async (id: string, outs: InviteState) => {
    await configureFor(emulator);
    return lifecycle.read(id, { ...outs });
  };

  describe("create", () => {
    it("sends the invite: PENDING, every output set, id <organizationId>/<email>", async () => {
      const { id, outs } = await createInvite(emulator, { email: "Jane@Example.com", role: "ORGANIZATION_OWNER" });
      expect(id).to.equal(`${org}/jane@example.com`);
      assertNoUndefined(outs);
      expect(outs).to.include({
        email: "jane@example.com",
        role: "ORGANIZATION_OWNER",
        status: "PENDING",
        adopted: false,
        organizationName: "Emulated Organization",
        schemaVersion: 1,
      });
      expect(outs.inviteId).to.equal(pendingInvites()[0].inviteId);
      expect(outs.userId).to.equal(user("jane@example.com")!.id);
      expect(outs.inviter).to.deep.include({ subjectType: "SERVICEKEY", displayName: "pulumi-astro-invites" });
      expect(Date.parse(outs.expiresAt)).to.be.greaterThan(Date.now());
      expect(writes()).to.deep.equal(["POST /invites"]);
    });

    it("adopts an ACTIVE member instead of failing, and applies the declared role", async () => {
      emulator.state.seedMember(org, "sso@example.com", "ORGANIZATION_MEMBER");
      const { outs } = await createInvite(emulator, { email: "sso@example.com", role: "ORGANIZATION_BILLING_ADMIN" });
      assertNoUndefined(outs);
      expect(outs).to.include({ status: "ACTIVE", adopted: true, role: "ORGANIZATION_BILLING_ADMIN", inviteId: "" });
      expect(user("sso@example.com")!.organizationRole).to.equal("ORGANIZATION_BILLING_ADMIN");
      expect(writes()).to.deep.equal(["POST /invites", `POST /users/${outs.userId}/roles`]);
    });

    it("manages, never adopts, a PENDING user invited by someone else: destroy demotes them once they accept", async () => {
      emulator.state.seedMember(org, "pending@example.com", "ORGANIZATION_OWNER", "PENDING");
      const { id, outs } = await createInvite(emulator, { email: "pending@example.com", role: "ORGANIZATION_OWNER" });
      expect(outs).to.include({ status: "PENDING", adopted: false, inviteId: "" });
      expect(writes()).to.deep.equal(["POST /invites"]);
      emulator.state.acceptInviteOf(org, "pending@example.com");
      await destroy(id, { ...outs });
      expect(user("pending@example.com")).to.include({ status: "ACTIVE", organizationRole: "ORGANIZATION_MEMBER" });
    });

    describe("a lost create answer whose follow-up lookup fails too (fails on the code before the hardening)", () => {
      // The token may invite but not list users: the lookup after the lost answer is refused.
      const lostAnswer = async (email: string) => {
        await configureFor(emulator, emulator.createToken("cannot-list", [org], ["organization.users.create"]));
        emulator.faults.add({ kind: "commitThenReset", operation: "createInvite", calls: [1] });
        const error = (await createInvite(emulator, { email, role: "ORGANIZATION_OWNER" }).then(
          () => undefined,
          (e: unknown) => e,
        )) as PartialStateError<InviteState>;
        await configureFor(emulator);
        return error;
      };

      it("says the invite may exist, never that none was sent, and records it as UNCONFIRMED", async () => {
        const error = await lostAnswer("owner-a@example.com");
        expect(error).to.be.instanceOf(PartialStateError);
        expect(error.message).to.match(/An invite for owner-a@example\.com may have been sent: .*ECONNRESET/);
        expect(error.message).to.contain("next `pulumi up` looks owner-a@example.com up and records them instead of inviting again");
        expect(error.message).not.to.contain("No invite was sent");
        expect(error.id).to.equal(`${org}/owner-a@example.com`);
        expect(error.properties).to.include({
          status: "UNCONFIRMED",
          adopted: false,
          email: "owner-a@example.com",
          role: "ORGANIZATION_OWNER",
        });
        assertNoUndefined(error.properties);
        expect(pendingInvites().map((i) => i.email)).to.deep.equal(["owner-a@example.com"]);
      });

      it("the next up reconciles without a second POST; after acceptance destroy demotes them", async () => {
        const { id, properties } = await lostAnswer("owner-a@example.com");
        expect((await lifecycle.diff(id, { ...properties }, declared(properties) as never)).changes).to.equal(true);
        emulator.log.length = 0;
        const reconciled = await update(id, properties, {});
        expect(reconciled).to.include({ status: "PENDING", adopted: false, role: "ORGANIZATION_OWNER" });
        expect(writes()).to.deep.equal([]);
        emulator.state.acceptInviteOf(org, "owner-a@example.com");
        await destroy(id, { ...reconciled });
        expect(user("owner-a@example.com")).to.include({ status: "ACTIVE", organizationRole: "ORGANIZATION_MEMBER" });
      });

      it("the next up invites when no one is there after all", async () => {
        const { id, properties } = await lostAnswer("nobody@example.com");
        emulator.state.removeUserOutOfBand(org, user("nobody@example.com")!.id);
        const renewed = await update(id, properties, {});
        expect(renewed).to.include({ status: "PENDING", adopted: false });
        expect(renewed.inviteId).to.equal(pendingInvites().find((i) => i.email === "nobody@example.com")!.inviteId);
      });
    });

    it("records its own invite whose answer was lost, without posting twice", async () => {
      emulator.faults.add({ kind: "commitThenReset", operation: "createInvite", calls: [1] });
      const { outs } = await createInvite(emulator, { email: "lost@example.com" });
      expect(outs).to.include({ status: "PENDING", adopted: false, inviteId: "" });
      expect(pendingInvites()).to.have.length(1);
    });

    it("fails with a clear message when there is no token", async () => {
      const { inputs } = await lifecycle.check({}, { email: "a@example.com", organizationId: org });
      await configureFor(emulator, "");
      const error = await lifecycle.create({ ...inputs }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).to.contain("astro:apiToken").and.contain("ASTRO_API_TOKEN");
      expect(emulator.log).to.have.length(0);
    });
  });

  describe("read (refresh)", () => {
    it("reports PENDING while waiting and ACTIVE once accepted, with inputs for a quiet next diff", async () => {
      const { id, outs } = await createInvite(emulator, { email: "jane@example.com" });
      const pending = await refresh(id, outs);
      expect(pending.props).to.include({ status: "PENDING" });
      emulator.state.acceptInvite(outs.inviteId);
      const accepted = await refresh(id, outs);
      expect(accepted.id).to.equal(id);
      expect(accepted.props).to.include({ status: "ACTIVE", role: "ORGANIZATION_MEMBER" });
      expect(accepted.inputs).to.deep.equal(declared(outs));
      expect((await lifecycle.diff(id, accepted.props as never, declared(outs) as never)).changes).to.equal(false);
    });

    it("reports EXPIRED when pending past expiry (pending users kept)", async () => {
      const { id, outs } = await createInvite(emulator, { email: "jane@example.com" });
      emulator.state.advanceClock(8 * 24 * 3600);
      const expired = { ...outs, expiresAt: new Date(Date.now() - 1000).toISOString() };
      expect((await refresh(id, expired)).props).to.include({ status: "EXPIRED" });
    });

    it("drops the resource when the user is gone (expired and removed, or removed out of band)", async () => {
      const { id, outs } = await createInvite(emulator, { email: "jane@example.com" });
      emulator.state.switches.pendingAfterExpiry = "remove";
      emulator.state.advanceClock(8 * 24 * 3600);
      expect(await refresh(id, outs)).to.deep.equal({});
      const other = await createInvite(emulator, { email: "john@example.com" });
      emulator.state.acceptInvite(other.outs.inviteId);
      emulator.state.removeUserOutOfBand(org, other.outs.userId);
      expect(await refresh(other.id, other.outs)).to.deep.equal({});
    });

    it("shows a role changed out of band, so that the next up restores it", async () => {
      const { id, outs } = await createInvite(emulator, { email: "jane@example.com", role: "ORGANIZATION_OWNER" });
      emulator.state.acceptInvite(outs.inviteId);
      emulator.state.setRoleOutOfBand(org, outs.userId, "ORGANIZATION_MEMBER");
      const seen = await refresh(id, outs);
      expect(seen.props).to.include({ role: "ORGANIZATION_MEMBER" });
      expect(seen.inputs).to.include({ role: "ORGANIZATION_MEMBER" });
      const diff = await lifecycle.diff(id, seen.props as never, declared(outs) as never);
      expect(diff).to.include({ changes: true });
      const restored = await update(id, seen.props!, { role: "ORGANIZATION_OWNER" });
      expect(restored.role).to.equal("ORGANIZATION_OWNER");
      expect(user("jane@example.com")!.organizationRole).to.equal("ORGANIZATION_OWNER");
    });

    it("finds a user by email when the stored id is stale", async () => {
      const { id, outs } = await createInvite(emulator, { email: "jane@example.com" });
      expect((await refresh(id, { ...outs, userId: "cstale000000000000000000" })).props).to.include({ userId: outs.userId });
    });
  });

  describe("update", () => {
    it("ACTIVE: sets the role through the roles endpoint, never re-invites", async () => {
      const { id, outs } = await createInvite(emulator, { email: "jane@example.com" });
      emulator.state.acceptInvite(outs.inviteId);
      emulator.log.length = 0;
      const updated = await update(id, outs, { role: "ORGANIZATION_OBSERVE_MEMBER" });
      assertNoUndefined(updated);
      expect(updated).to.include({ status: "ACTIVE", role: "ORGANIZATION_OBSERVE_MEMBER" });
      expect(writes()).to.deep.equal([`POST /users/${outs.userId}/roles`]);
    });

    it("recorded as accepted: one read, by id, decides, and the roles call is the one write", async () => {
      const { id, outs } = await createInvite(emulator, { email: "jane@example.com" });
      emulator.state.acceptInvite(outs.inviteId);
      const accepted = (await refresh(id, outs)).props as InviteState;
      emulator.log.length = 0;
      await update(id, accepted, { role: "ORGANIZATION_BILLING_ADMIN" });
      expect(emulator.log.map((e) => e.operation)).to.deep.equal(["getUser", "updateRoles"]);
      emulator.log.length = 0;
      await destroy(id, { ...accepted, role: "ORGANIZATION_BILLING_ADMIN" });
      expect(emulator.log.map((e) => e.operation)).to.deep.equal(["getUser", "updateRoles"]);
      expect(user("jane@example.com")).to.include({ organizationRole: "ORGANIZATION_MEMBER" });
    });

    it("an organization role change neither strips a direct role nor makes a Team's grant direct (either read switch)", async () => {
      for (const teamGrantsInUserRead of [true, false]) {
        emulator.state.switches.teamGrantsInUserRead = teamGrantsInUserRead;
        const email = `team-${teamGrantsInUserRead}@example.com`;
        const { id, outs } = await createInvite(emulator, { email });
        emulator.state.acceptInvite(outs.inviteId);
        const direct = { workspaceRoles: [{ workspaceId: "cws1", role: "WORKSPACE_OPERATOR" }], deploymentRoles: [], dagRoles: [] };
        emulator.state.grantDirectRoles(org, outs.userId, direct);
        emulator.state.seedTeam(org, "platform", [outs.userId], {
          workspaceRoles: [{ workspaceId: "cws2", role: "WORKSPACE_OWNER" }],
          deploymentRoles: [{ deploymentId: "cdep1", role: "DEPLOYMENT_ADMIN" }],
        });
        const accepted = (await refresh(id, outs)).props as InviteState;
        await update(id, accepted, { role: "ORGANIZATION_BILLING_ADMIN" });
        await destroy(id, { ...accepted, role: "ORGANIZATION_BILLING_ADMIN" });
        expect(user(email)).to.include({ organizationRole: "ORGANIZATION_MEMBER" });
        expect(emulator.state.directRoles(org, outs.userId)).to.deep.equal(direct);
      }
    });

    it("PENDING: revokes the invite and sends a new one with the new role", async () => {
      const { id, outs } = await createInvite(emulator, { email: "jane@example.com" });
      emulator.log.length = 0;
      const updated = await update(id, outs, { role: "ORGANIZATION_OWNER" });
      expect(updated).to.include({ status: "PENDING", role: "ORGANIZATION_OWNER" });
      expect(updated.inviteId).not.to.equal(outs.inviteId);
      expect(writes()).to.deep.equal([`DELETE /invites/${outs.inviteId}`, "POST /invites"]);
      expect(pendingInvites().map((i) => [i.inviteId, i.role])).to.deep.equal([[updated.inviteId, "ORGANIZATION_OWNER"]]);
    });

    it("expired: sends a new invite (either expiry switch)", async () => {
      for (const pendingAfterExpiry of ["keep", "remove"] as const) {
        emulator.state.switches.pendingAfterExpiry = pendingAfterExpiry;
        const { id, outs } = await createInvite(emulator, { email: `${pendingAfterExpiry}@example.com` });
        emulator.state.advanceClock(8 * 24 * 3600);
        const renewed = await update(id, { ...outs, status: "EXPIRED" }, {});
        expect(renewed.status, pendingAfterExpiry).to.equal("PENDING");
        expect(renewed.inviteId).not.to.equal(outs.inviteId);
        expect(Date.parse(renewed.expiresAt)).to.be.greaterThan(emulator.state.now().getTime());
      }
    });

    it("expired, and Astro neither revokes it nor takes a new one: recorded as still expired, and said", async () => {
      Object.assign(emulator.state.switches, { deleteAfterAcceptance: "404", pendingAfterExpiry: "keep", reinviteAfterExpiry: "reject" });
      const { id, outs } = await createInvite(emulator, { email: "stuck@example.com" });
      emulator.state.advanceClock(8 * 24 * 3600);
      let renewed: InviteState | undefined;
      const warnings = await warningsOf(async () => (renewed = await update(id, { ...outs, status: "EXPIRED" }, {})));
      expect(renewed).to.include({ status: "EXPIRED", inviteId: outs.inviteId, expiresAt: outs.expiresAt });
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(/^The expired invite for stuck@example\.com was not re-sent: .* the next `pulumi up` tries again\.$/);
      expect((await lifecycle.diff(id, { ...renewed! }, declared(renewed!))).changes).to.equal(true);
    });

    it("gone: sends a new invite", async () => {
      const { id, outs } = await createInvite(emulator, { email: "jane@example.com" });
      emulator.state.removeUserOutOfBand(org, outs.userId);
      const renewed = await update(id, outs, { role: "ORGANIZATION_OWNER" });
      expect(renewed).to.include({ status: "PENDING", role: "ORGANIZATION_OWNER" });
      expect(pendingInvites()).to.have.length(1);
    });

    it("apiUrl or onDelete only: no API write", async () => {
      const { id, outs } = await createInvite(emulator, { email: "jane@example.com" });
      emulator.log.length = 0;
      const updated = await update(id, outs, { onDelete: "keep" });
      expect(updated).to.include({ onDelete: "keep", inviteId: outs.inviteId });
      expect(writes()).to.deep.equal([]);
    });

    it("records partial state when the new invite fails after the old one was revoked", async () => {
      const { id, outs } = await createInvite(emulator, { email: "jane@example.com" });
      await configureFor(emulator, emulator.createToken("cannot-invite", [org], ["organization.users.get", "organization.users.delete"]));
      const error = (await update(id, outs, { role: "ORGANIZATION_OWNER" }).then(
        () => undefined,
        (e: unknown) => e,
      )) as Error & { id: string; properties: InviteState; reasons: string[] };
      expect(error.message).to.contain("previous invite was revoked").and.contain("organization.users.create");
      expect(error.id).to.equal(id);
      expect(error.properties).to.include({ status: "REVOKED", inviteId: "" });
      assertNoUndefined(error.properties);
      expect(await lifecycle.diff(id, { ...error.properties }, declared(outs, { role: "ORGANIZATION_OWNER" }) as never)).to.include({
        changes: true,
      });
    });
  });

  describe("delete", () => {
    it("PENDING: revokes the invite, which removes the pending user", async () => {
      const { id, outs } = await createInvite(emulator, { email: "jane@example.com" });
      await destroy(id, { ...outs });
      expect(users()).to.deep.equal([]);
      expect(pendingInvites()).to.deep.equal([]);
    });

    it("the old half of a move without aliases: hands over to the resource that recorded the person in this operation, writing nothing", async () => {
      const old = await createInvite(emulator, { email: "lead@example.com", role: "ORGANIZATION_OWNER" });
      emulator.state.acceptInvite(old.outs.inviteId);
      // Each command is its own operation: the move's create and delete come in a later one.
      await configureFor(emulator);
      const moved = await createInvite(emulator, { email: "lead@example.com", role: "ORGANIZATION_OWNER" });
      expect(moved.id).to.equal(old.id);
      emulator.log.length = 0;
      const warnings = await warningsOf(() => lifecycle.remove(old.id, { ...old.outs, status: "ACTIVE" }));
      expect(writes()).to.deep.equal([]);
      expect(user("lead@example.com")).to.include({ organizationRole: "ORGANIZATION_OWNER" });
      expect(warnings[0]).to.match(/^lead@example\.com is declared by another resource of this stack now/);
      // Outside that operation, the same delete demotes as usual.
      await configureFor(emulator);
      await lifecycle.remove(old.id, { ...old.outs, status: "ACTIVE" });
      expect(user("lead@example.com")).to.include({ organizationRole: "ORGANIZATION_MEMBER" });
    });

    it("an invite already gone while the person is still pending: another invite may be live, and it says so", async () => {
      const { id, outs } = await createInvite(emulator, { email: "jane@example.com" });
      // Re-sent from the Astro UI: the stack's invite is revoked, another one is live.
      emulator.state.switches.reinvitePending = "fresh";
      await new AstroClient({ token: emulator.token, baseUrl: emulator.apiUrl, rateLimits: false }).createInvite(
        org,
        "jane@example.com",
        "ORGANIZATION_MEMBER",
      );
      const warnings = await warningsOf(() => destroy(id, { ...outs }));
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.contain(
        `The invite ${outs.inviteId} for jane@example.com was already gone, but jane@example.com is still pending`,
      );
    });

    it("an invite already gone is fine, under either delete switch", async () => {
      for (const deleteAfterAcceptance of ["404", "204"] as const) {
        emulator.state.switches.deleteAfterAcceptance = deleteAfterAcceptance;
        const { id, outs } = await createInvite(emulator, { email: `gone${deleteAfterAcceptance}@example.com` });
        emulator.state.advanceClock(8 * 24 * 3600);
        await destroy(id, { ...outs });
      }
      const { id, outs } = await createInvite(emulator, { email: "removed@example.com" });
      emulator.state.removeUserOutOfBand(org, outs.userId);
      await destroy(id, { ...outs });
    });

    it("accepted: demotes to ORGANIZATION_MEMBER, or keeps the role with onDelete keep", async () => {
      const demoted = await createInvite(emulator, { email: "owner@example.com", role: "ORGANIZATION_OWNER" });
      const kept = await createInvite(emulator, { email: "kept@example.com", role: "ORGANIZATION_OWNER", onDelete: "keep" });
      emulator.state.acceptInvite(demoted.outs.inviteId);
      emulator.state.acceptInvite(kept.outs.inviteId);
      await destroy(demoted.id, { ...demoted.outs });
      await destroy(kept.id, { ...kept.outs });
      expect(user("owner@example.com")).to.include({ status: "ACTIVE", organizationRole: "ORGANIZATION_MEMBER" });
      expect(user("kept@example.com")).to.include({ status: "ACTIVE", organizationRole: "ORGANIZATION_OWNER" });
    });

    it("adopted at the role declared: looked at, nothing written", async () => {
      emulator.state.seedMember(org, "sso@example.com", "ORGANIZATION_OWNER");
      const { id, outs } = await createInvite(emulator, { email: "sso@example.com", role: "ORGANIZATION_OWNER" });
      expect(outs).to.include({ adopted: true, roleBefore: "ORGANIZATION_OWNER" });
      emulator.log.length = 0;
      await destroy(id, { ...outs });
      expect(writes()).to.deep.equal([]);
      expect(user("sso@example.com")).to.include({ organizationRole: "ORGANIZATION_OWNER" });
    });

    it("adopted and raised by the stack: destroy sets back the role they had before, and no lower", async () => {
      emulator.state.seedMember(org, "sso@example.com", "ORGANIZATION_OBSERVE_MEMBER");
      const { id, outs } = await createInvite(emulator, { email: "sso@example.com", role: "ORGANIZATION_OWNER" });
      expect(outs).to.include({ adopted: true, role: "ORGANIZATION_OWNER", roleBefore: "ORGANIZATION_OBSERVE_MEMBER" });
      await destroy(id, { ...outs });
      expect(user("sso@example.com")).to.include({ organizationRole: "ORGANIZATION_OBSERVE_MEMBER" });
    });

    it("adopted, role changed outside the stack since: left alone; onDelete keep: left as is; an old state without roleBefore: left, with a warning", async () => {
      const adopt = async (email: string, onDelete: "demote" | "keep" = "demote") => {
        const userId = emulator.state.seedMember(org, email, "ORGANIZATION_MEMBER");
        return { userId, ...(await createInvite(emulator, { email, role: "ORGANIZATION_OWNER", onDelete })) };
      };
      const changed = await adopt("changed@example.com");
      emulator.state.setRoleOutOfBand(org, changed.userId, "ORGANIZATION_BILLING_ADMIN");
      await destroy(changed.id, { ...changed.outs });
      expect(user("changed@example.com")).to.include({ organizationRole: "ORGANIZATION_BILLING_ADMIN" });
      const kept = await adopt("kept@example.com", "keep");
      await destroy(kept.id, { ...kept.outs });
      expect(user("kept@example.com")).to.include({ organizationRole: "ORGANIZATION_OWNER" });
      const old = await adopt("old@example.com");
      const { roleBefore: _unrecorded, ...olderState } = old.outs;
      emulator.log.length = 0;
      await lifecycle.remove(old.id, olderState);
      expect(writes()).to.deep.equal([]);
      expect(user("old@example.com")).to.include({ organizationRole: "ORGANIZATION_OWNER" });
    });
  });
});
