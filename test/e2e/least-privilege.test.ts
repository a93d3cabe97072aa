import { expect } from "chai";
import { Emulator, startEmulator } from "../../provider/emulator/server";
import { PulumiWorkspace } from "../../scripts/lib/workspace";
import { review } from "../support/review";
import { declare, newStack } from "../support/stacks";

const OWNER = "ORGANIZATION_OWNER";
const MEMBER = "ORGANIZATION_MEMBER";

/**
 * Least privilege on the paths where a stack is refactored or torn down, under the real CLI: destroy undoes
 * only what the stack granted, a renamed component keeps everyone's access, and a destroy never takes a
 * shifted users list for proof that someone left. Each case has its own emulator and stack.
 */
describe("least privilege under the real Pulumi CLI", function () {
  this.timeout(15 * 60_000);
  let emulator: Emulator;
  let stack: PulumiWorkspace;
  beforeEach(async () => {
    emulator = await startEmulator();
    stack = await newStack(emulator);
  });
  afterEach(async () => {
    stack.dispose();
    await emulator.stop();
  });
  const member = (email: string) => emulator.organization().users.find((u) => u.username === email);
  const setTeams = (teams: Record<string, unknown>) => stack.setConfig("teams", JSON.stringify(teams));

  it("an SSO member declared Owner is adopted and raised; the review shows the restore; destroy sets them back", async () => {
    emulator.state.seedMember(emulator.organizationId, "sso@example.com", MEMBER);
    await declare(stack, { sso: { email: "sso@example.com", role: OWNER } });
    await stack.run(["up", "--yes"]);
    expect(member("sso@example.com")).to.include({ organizationRole: OWNER });
    expect((await stack.invites()).sso.outputs).to.include({ adopted: true, roleBefore: MEMBER });

    const preview = (await stack.run(["destroy", "--preview-only", "--json"], { env: { PULUMI_SKIP_CONFIRMATIONS: "" } })).stdout;
    const reviewed = review(preview, "--format", "json");
    expect(
      JSON.parse(reviewed.stdout).changes.map((c: { action: string; fromRole: string; toRole: string }) => [
        c.action,
        c.fromRole,
        c.toRole,
      ]),
    ).to.deep.equal([["restore", OWNER, MEMBER]]);

    await stack.run(["destroy", "--yes"]);
    expect(member("sso@example.com")).to.include({ status: "ACTIVE", organizationRole: MEMBER });
  });

  it("moving two invites into OrganizationUserInvites, then renaming it, with aliases: nothing is sent, both keep their access and invite; destroy ends least privileged", async () => {
    await declare(stack, { lead: { email: "lead@example.com", role: OWNER }, newbie: { email: "newbie@example.com" } });
    await stack.run(["up", "--yes"]);
    emulator.state.acceptInviteOf(emulator.organizationId, "lead@example.com");
    await stack.run(["refresh", "--yes"]);
    const invite = emulator.organization().invites.find((i) => i.email === "newbie@example.com" && i.state === "pending")!;
    const members = [
      { email: "lead@example.com", role: OWNER, aliases: ["lead"] },
      { email: "newbie@example.com", aliases: ["newbie"] },
    ];
    const quietly = async () => {
      emulator.log.length = 0;
      const { output } = await stack.run(["up", "--yes"]);
      // The team component itself is new on the move; no invite is created or deleted.
      expect(output).not.to.match(/dynamic\/astro:OrganizationUserInvite .*\b(created|deleted)\b/);
      expect(emulator.log.filter((e) => e.method !== "GET")).to.deep.equal([]);
      expect(member("lead@example.com")).to.include({ status: "ACTIVE", organizationRole: OWNER });
      expect(emulator.organization().invites.find((i) => i.inviteId === invite.inviteId)).to.include({ state: "pending" });
    };

    await declare(stack, {});
    await setTeams({ data: { members } });
    await quietly();
    await setTeams({ platform: { members, aliases: ["data"] } });
    await quietly();
    const recorded = await stack.invites();
    expect(Object.keys(recorded).sort()).to.deep.equal(["platform-lead@example.com", "platform-newbie@example.com"]);
    expect(recorded["platform-lead@example.com"].outputs).to.include({ adopted: false });
    expect(recorded["platform-newbie@example.com"].outputs).to.include({ inviteId: invite.inviteId });

    await stack.run(["destroy", "--yes"]);
    expect(member("lead@example.com")).to.include({ organizationRole: MEMBER });
    expect(member("newbie@example.com")).to.equal(undefined);
  });

  it("moving two invites into OrganizationUserInvites, renaming it and moving one out again, without aliases: each continues its record; destroy ends least privileged", async () => {
    await declare(stack, { lead: { email: "lead@example.com", role: OWNER }, newbie: { email: "newbie@example.com" } });
    await stack.run(["up", "--yes"]);
    emulator.state.acceptInviteOf(emulator.organizationId, "lead@example.com");
    await stack.run(["refresh", "--yes"]);
    const invite = emulator.organization().invites.find((i) => i.email === "newbie@example.com" && i.state === "pending")!;
    const members = [{ email: "lead@example.com", role: OWNER }, { email: "newbie@example.com" }];
    const quietly = async () => {
      const preview = (await stack.run(["preview", "--refresh", "--json"])).stdout;
      const reviewed = review(preview, "--format", "json");
      expect(JSON.parse(reviewed.stdout).changes).to.deep.equal([]);
      emulator.log.length = 0;
      const { output } = await stack.run(["up", "--yes"]);
      expect(output).not.to.match(/dynamic\/astro:OrganizationUserInvite .*\b(created|deleted)\b/);
      expect(output).not.to.contain("handed over");
      expect(emulator.log.filter((e) => e.method !== "GET")).to.deep.equal([]);
      expect(member("lead@example.com")).to.include({ status: "ACTIVE", organizationRole: OWNER });
      expect(emulator.organization().invites.find((i) => i.inviteId === invite.inviteId)).to.include({ state: "pending" });
    };

    await declare(stack, {});
    await setTeams({ data: { members } });
    await quietly();
    await setTeams({ platform: { members } });
    await quietly();
    await setTeams({ platform: { members: members.slice(1) } });
    await declare(stack, { chief: { email: "lead@example.com", role: OWNER } });
    await quietly();
    const recorded = await stack.invites();
    expect(Object.keys(recorded).sort()).to.deep.equal(["chief", "platform-newbie@example.com"]);
    expect(recorded.chief.outputs).to.include({ adopted: false });
    expect(recorded["platform-newbie@example.com"].outputs).to.include({ inviteId: invite.inviteId });

    await stack.run(["destroy", "--yes"]);
    expect(member("lead@example.com")).to.include({ organizationRole: MEMBER });
    expect(member("newbie@example.com")).to.equal(undefined);
  });

  it("invites renamed where the program cannot pair them (an email computed as an Output): one hand-over each in the review; up demotes and revokes no one", async () => {
    await declare(stack, { lead: { email: "lead@example.com", role: OWNER }, newbie: { email: "newbie@example.com" } });
    await stack.run(["up", "--yes"]);
    emulator.state.acceptInviteOf(emulator.organizationId, "lead@example.com");
    const invite = emulator.organization().invites.find((i) => i.email === "newbie@example.com" && i.state === "pending")!;

    await declare(stack, {
      chief: { email: "lead@example.com", role: OWNER, outputEmail: true },
      rookie: { email: "newbie@example.com", outputEmail: true },
    });
    const preview = (await stack.run(["preview", "--refresh", "--json"])).stdout;
    const reviewed = review(preview, "--format", "json");
    expect(
      JSON.parse(reviewed.stdout).changes.map((c: { action: string; email: string; resource: string }) => [c.action, c.email, c.resource]),
    ).to.deep.equal([
      ["handover", "lead@example.com", "lead -> chief"],
      ["handover", "newbie@example.com", "newbie -> rookie"],
    ]);

    const { output } = await stack.run(["up", "--yes"]);
    expect(member("lead@example.com")).to.include({ status: "ACTIVE", organizationRole: OWNER });
    expect(emulator.organization().invites.find((i) => i.inviteId === invite.inviteId)).to.include({ state: "pending" });
    expect(output).to.contain("newbie@example.com is declared by another resource of this stack now");
  });

  it("a destroy with revocations running in front of accepted Owners just past a page boundary: every one demoted", async () => {
    const org = emulator.organizationId;
    // 970 members sort first; then 30 pending invitees of the stack's; then 30 it invited as Owners, past the first page.
    for (let i = 0; i < 970; i++) emulator.state.seedMember(org, `a${String(i).padStart(4, "0")}@example.com`, MEMBER);
    const pad = (i: number) => String(i).padStart(2, "0");
    const team = Object.fromEntries([
      ...Array.from({ length: 30 }, (_, i) => [`b${pad(i)}`, { email: `b${pad(i)}@example.com` }]),
      ...Array.from({ length: 30 }, (_, i) => [`c${pad(i)}`, { email: `c${pad(i)}@example.com`, role: OWNER }]),
    ]);
    await declare(stack, team);
    await stack.run(["up", "--yes"]);
    // The Owners accept after the last refresh: the state says PENDING, so destroy looks them up in the list.
    for (let i = 0; i < 30; i++) emulator.state.acceptInviteOf(org, `c${pad(i)}@example.com`);
    emulator.faults.add({ kind: "latency", operation: "listUsers", latencyMs: 700, probability: 1 });

    await stack.run(["destroy", "--yes"]);
    const owners = Array.from({ length: 30 }, (_, i) => member(`c${pad(i)}@example.com`));
    expect(owners.filter((u) => u?.organizationRole !== MEMBER).map((u) => u?.username)).to.deep.equal([]);
    expect(Array.from({ length: 30 }, (_, i) => member(`b${pad(i)}@example.com`)).filter(Boolean)).to.deep.equal([]);
  });
});
