import { expect } from "chai";
import { mkdirSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Emulator, startEmulator } from "../../provider/emulator/server";
import { PulumiWorkspace, REPO_ROOT } from "../../scripts/lib/workspace";
import { Declared, declare, newStack } from "../support/stacks";

describe("end to end: the real Pulumi CLI against the emulator", function () {
  this.timeout(10 * 60_000);
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.stop());

  const org = () => emulator.organization();
  const member = (email: string) => org().users.find((u) => u.username === email);
  const pending = () => org().invites.filter((i) => i.state === "pending");
  const writes = () => emulator.log.filter((e) => e.method !== "GET");

  describe("an invite's life: preview, up, change, accept, drift, expiry, destroy", () => {
    let stack: PulumiWorkspace;
    const team: Declared = {
      lead: { email: "Lead@Example.com", role: "ORGANIZATION_OWNER" },
      analyst: { email: "analyst@example.com", role: "ORGANIZATION_OBSERVE_MEMBER" },
      billing: { email: "billing@example.com", role: "ORGANIZATION_BILLING_ADMIN" },
    };
    before(async () => {
      stack = await newStack(emulator);
      await declare(stack, team);
    });
    after(() => stack.dispose());

    it("preview names every invite to be created and sends no request to the API", async () => {
      emulator.log.length = 0;
      const { output } = await stack.run(["preview"]);
      for (const name of Object.keys(team)) expect(output).to.match(new RegExp(`OrganizationUserInvite\\s+${name}\\s+create`));
      expect(output).to.contain("+ 4 to create");
      expect(emulator.log).to.deep.equal([]);
    });

    it("up creates exactly those invites, and a second preview shows no changes", async () => {
      await stack.run(["up", "--yes"]);
      expect(
        pending()
          .map((i) => [i.email, i.role])
          .sort(),
      ).to.deep.equal([
        ["analyst@example.com", "ORGANIZATION_OBSERVE_MEMBER"],
        ["billing@example.com", "ORGANIZATION_BILLING_ADMIN"],
        ["lead@example.com", "ORGANIZATION_OWNER"],
      ]);
      emulator.log.length = 0;
      const { output } = await stack.run(["preview"]);
      expect(output).to.contain("4 unchanged");
      expect(writes()).to.deep.equal([]);
      const invites = await stack.invites();
      expect(invites.lead.id).to.equal(`${emulator.organizationId}/lead@example.com`);
      expect(invites.lead.outputs).to.include({ status: "PENDING", email: "lead@example.com" });
    });

    it("the state holds no token, and each __provider is at most 2.5 KB", async () => {
      const { text, state } = await stack.exportState();
      expect(text).not.to.contain(emulator.token);
      for (const resource of state.resources.filter((r) => r.type.includes("OrganizationUserInvite"))) {
        expect(String(resource.inputs.__provider).length).to.be.at.most(2500);
        expect(String(resource.outputs.__provider).length).to.be.at.most(2500);
      }
    });

    it("role change while pending: preview shows an update, up re-invites", async () => {
      const before = (await stack.invites()).analyst.outputs.inviteId;
      await declare(stack, { ...team, analyst: { ...team.analyst, role: "ORGANIZATION_OBSERVE_ADMIN" } });
      const { output } = await stack.run(["preview", "--diff"]);
      expect(output).to.match(/~ role\s*: "ORGANIZATION_OBSERVE_MEMBER" => "ORGANIZATION_OBSERVE_ADMIN"/);
      emulator.log.length = 0;
      await stack.run(["up", "--yes"]);
      expect(writes().map((e) => e.method)).to.deep.equal(["DELETE", "POST"]);
      const after = (await stack.invites()).analyst.outputs;
      expect(after.inviteId).not.to.equal(before);
      expect(pending().find((i) => i.email === "analyst@example.com")?.role).to.equal("ORGANIZATION_OBSERVE_ADMIN");
      team.analyst.role = "ORGANIZATION_OBSERVE_ADMIN";
    });

    it("acceptance then refresh: ACTIVE in the state, and the next preview shows no changes", async () => {
      emulator.state.acceptInviteOf(emulator.organizationId, "analyst@example.com");
      await stack.run(["refresh", "--yes"]);
      expect((await stack.invites()).analyst.outputs.status).to.equal("ACTIVE");
      const { output } = await stack.run(["preview"]);
      expect(output).not.to.match(/to (update|create|replace|delete)/);
    });

    it("role change after acceptance: the roles endpoint, never a new invite", async () => {
      await declare(stack, { ...team, analyst: { ...team.analyst, role: "ORGANIZATION_OWNER" } });
      emulator.log.length = 0;
      await stack.run(["up", "--yes"]);
      expect(writes().map((e) => `${e.method} ${e.path.split("/").slice(-1)[0]}`)).to.deep.equal(["POST roles"]);
      expect(member("analyst@example.com")).to.include({ status: "ACTIVE", organizationRole: "ORGANIZATION_OWNER" });
      team.analyst.role = "ORGANIZATION_OWNER";
    });

    it("a role changed out of band: refresh shows it, up restores the declared role", async () => {
      emulator.state.setRoleOutOfBand(emulator.organizationId, member("analyst@example.com")!.id, "ORGANIZATION_MEMBER");
      const refresh = await stack.run(["refresh", "--yes"]);
      expect(refresh.output).to.match(/data-analyst|analyst.*\[diff: ~role\]/);
      const preview = await stack.run(["preview", "--diff"]);
      expect(preview.output).to.match(/~ role\s*: "ORGANIZATION_MEMBER" => "ORGANIZATION_OWNER"/);
      await stack.run(["up", "--yes"]);
      expect(member("analyst@example.com")!.organizationRole).to.equal("ORGANIZATION_OWNER");
    });

    it("an expired pending invite: preview shows an update, up re-sends it", async () => {
      emulator.state.switches.inviteLifetimeSeconds = 2;
      await declare(stack, { ...team, late: { email: "late@example.com" } });
      await stack.run(["up", "--yes"]);
      const first = (await stack.invites()).late.outputs.inviteId;
      await new Promise((resolve) => setTimeout(resolve, 2500));
      emulator.state.switches.inviteLifetimeSeconds = 7 * 24 * 3600;
      const { output } = await stack.run(["preview"]);
      expect(output).to.match(/OrganizationUserInvite\s+late\s+update/);
      emulator.log.length = 0;
      await stack.run(["up", "--yes"]);
      expect(writes().map((e) => e.method)).to.include("POST");
      const renewed = (await stack.invites()).late.outputs;
      expect(renewed.inviteId).not.to.equal(first);
      expect(renewed.status).to.equal("PENDING");
      expect(Date.parse(String(renewed.expiresAt))).to.be.greaterThan(Date.now() + 3600_000);
      (team as Declared).late = { email: "late@example.com" };
    });

    it("an email change replaces: the old invite is revoked, the new person invited", async () => {
      await declare(stack, { ...team, billing: { ...team.billing, email: "finance@example.com" } });
      const { output } = await stack.run(["preview"]);
      expect(output).to.match(/billing\s+replace/);
      await stack.run(["up", "--yes"]);
      expect(member("billing@example.com")).to.equal(undefined);
      expect(member("finance@example.com")).to.include({ status: "PENDING", organizationRole: "ORGANIZATION_BILLING_ADMIN" });
      team.billing.email = "finance@example.com";
    });

    it("an email that is already a member is adopted, and destroy leaves that member untouched", async () => {
      emulator.state.seedMember(emulator.organizationId, "sso@example.com", "ORGANIZATION_OBSERVE_ADMIN");
      await declare(stack, { ...team, sso: { email: "sso@example.com", role: "ORGANIZATION_OBSERVE_ADMIN" } });
      await stack.run(["up", "--yes"]);
      expect((await stack.invites()).sso.outputs).to.include({ adopted: true, status: "ACTIVE" });
    });

    it("destroy: no pending invite of the stack remains, accepted members are left at ORGANIZATION_MEMBER", async () => {
      await stack.run(["destroy", "--yes"]);
      expect(pending()).to.deep.equal([]);
      expect(member("analyst@example.com")).to.include({ status: "ACTIVE", organizationRole: "ORGANIZATION_MEMBER" });
      expect(member("sso@example.com")).to.include({ status: "ACTIVE", organizationRole: "ORGANIZATION_OBSERVE_ADMIN" });
      expect(
        org()
          .users.map((u) => u.username)
          .sort(),
      ).to.deep.equal(["analyst@example.com", "sso@example.com"]);
    });
  });

  describe("a lost create answer under the real CLI (issue #9: adopted as an owner before the hardening)", () => {
    it("lost answer + failed lookup -> up again -> accept -> destroy: the person ends as ORGANIZATION_MEMBER", async () => {
      const stack = await newStack(emulator);
      try {
        await declare(stack, { ownerA: { email: "owner-a@example.com", role: "ORGANIZATION_OWNER" } });
        // The create commits, its answer is lost, and the users list answers 429 until the lookup gives up.
        emulator.faults.add({ kind: "commitThenReset", operation: "createInvite", calls: [1] });
        emulator.faults.add({ kind: "429", operation: "listUsers", retryAfterSeconds: 1 });
        const lost = await stack.run(["up", "--yes"], { allowFailure: true });
        emulator.faults.clear();
        expect(lost.code).to.not.equal(0);
        expect(lost.output).to.match(/An invite for owner-a@example\.com may have been sent/);
        expect(lost.output).to.contain("the next `pulumi up` looks owner-a@example.com up and records them instead of inviting again");
        expect(lost.output).not.to.contain("No invite was sent");
        expect((await stack.invites()).ownerA.outputs).to.include({ status: "UNCONFIRMED", adopted: false });

        // Someone else's outstanding invite for a person the stack now declares: managed, not adopted.
        emulator.state.seedMember(emulator.organizationId, "outstanding@example.com", "ORGANIZATION_OWNER", "PENDING");
        await declare(stack, {
          ownerA: { email: "owner-a@example.com", role: "ORGANIZATION_OWNER" },
          outstanding: { email: "outstanding@example.com", role: "ORGANIZATION_OWNER" },
        });
        const posts = () => emulator.log.filter((e) => e.method === "POST" && e.path.endsWith("/invites")).length;
        const before = posts();
        await stack.run(["up", "--yes"]);
        const invites = await stack.invites();
        expect(invites.ownerA.outputs).to.include({ status: "PENDING", adopted: false, role: "ORGANIZATION_OWNER" });
        expect(invites.outstanding.outputs).to.include({ status: "PENDING", adopted: false, inviteId: "" });
        expect(posts() - before).to.equal(1);
        expect(pending().filter((i) => i.email === "owner-a@example.com")).to.have.length(1);

        emulator.state.acceptInviteOf(emulator.organizationId, "owner-a@example.com");
        const destroy = await stack.run(["destroy", "--yes"]);
        expect(member("owner-a@example.com")).to.include({ status: "ACTIVE", organizationRole: "ORGANIZATION_MEMBER" });
        // The one invite the API cannot revoke is said in the CLI's own output, not only on a provider's stderr.
        expect(destroy.stdout).to.match(
          /warning: The pending invite for outstanding@example\.com was not revoked: its id never reached this stack/,
        );
        expect(member("outstanding@example.com")).to.include({ status: "PENDING" });
      } finally {
        stack.dispose();
      }
    });
  });

  describe("upgrading the package between up and destroy", () => {
    it("destroy runs the implementation installed now, not the one that created the resource", async () => {
      const stack = await newStack(emulator);
      try {
        await declare(stack, { upgrade: { email: "upgrade@example.com" } });
        await stack.run(["up", "--yes"]);
        // A newer version of the package, installed in the project: it notes that it ran, then does the real work.
        const pkg = join(stack.projectDir, "node_modules", "pulumi-astro-invites");
        mkdirSync(pkg, { recursive: true });
        const marker = join(stack.projectDir, "destroyed-by-new-version");
        writeFileSync(
          join(pkg, "package.json"),
          JSON.stringify({ name: "pulumi-astro-invites", version: "99.0.0", exports: { "./lifecycle": "./lifecycle.js" } }),
        );
        writeFileSync(
          join(pkg, "lifecycle.js"),
          `const real = require(${JSON.stringify(join(REPO_ROOT, "dist/provider/invite/lifecycle.js"))});\n` +
            `module.exports = { ...real, remove: async (id, props) => { require("fs").writeFileSync(${JSON.stringify(marker)}, id); return real.remove(id, props); } };\n`,
        );
        await stack.run(["destroy", "--yes"]);
        expect(existsSync(marker)).to.equal(true);
        expect(readFileSync(marker, "utf8")).to.equal(`${emulator.organizationId}/upgrade@example.com`);
        expect(member("upgrade@example.com")).to.equal(undefined);
      } finally {
        stack.dispose();
      }
    });
  });
});
