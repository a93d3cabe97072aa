import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Emulator, startEmulator } from "../../provider/emulator/server";
import { PulumiWorkspace, REPO_ROOT, TEAM_PROGRAM } from "../../scripts/lib/workspace";
import type { MembershipChange } from "../../provider/review/changes";
import { Declared, declare, newStack } from "../support/stacks";

const BIN = join(REPO_ROOT, "dist/provider/cli/astro-invites.js");

/** Runs the built `astro-invites` bin as a user would, with `input` on standard input. */
function astroInvites(
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...options.env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

describe("astro-invites review and export under the real Pulumi CLI", function () {
  this.timeout(10 * 60_000);
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.stop());
  const org = () => emulator.organization();
  const member = (email: string) => org().users.find((u) => u.username === email);

  describe("review: the membership diff of a preview", () => {
    let stack: PulumiWorkspace;
    const previewJson = async () => (await stack.run(["preview", "--json"])).stdout;
    before(async () => {
      stack = await newStack(emulator);
    });
    after(() => stack.dispose());

    const team: Declared = {
      ada: { email: "ada@example.com", role: "ORGANIZATION_OWNER" },
      bob: { email: "bob@example.com" },
      cy: { email: "cy@example.com", role: "ORGANIZATION_OBSERVE_ADMIN" },
      dee: { email: "dee@example.com", role: "ORGANIZATION_BILLING_ADMIN" },
      gus: { email: "gus@example.com", role: "ORGANIZATION_OBSERVE_MEMBER" },
      sso: { email: "sso@example.com", role: "ORGANIZATION_OBSERVE_ADMIN" },
    };

    it("new invites: one invite each; --deny-role ORGANIZATION_OWNER exits 3", async () => {
      emulator.state.seedMember(emulator.organizationId, "sso@example.com", "ORGANIZATION_OBSERVE_ADMIN");
      await declare(stack, team);
      const preview = await previewJson();
      const json = JSON.parse((await astroInvites(["review", "--format", "json"], { input: preview })).stdout);
      expect(json.changes.map((c: { action: string; email: string; toRole: string }) => [c.action, c.email, c.toRole])).to.deep.equal(
        Object.values(team)
          .map((d) => ["invite", d.email, d.role ?? "ORGANIZATION_MEMBER"])
          .sort((a, b) => a[1].localeCompare(b[1])),
      );
      expect(json.summary).to.deep.include({ invite: 6, total: 6, text: "6 invites" });
      const denied = await astroInvites(["review", "--deny-role", "ORGANIZATION_OWNER"], { input: preview });
      expect(denied.code).to.equal(3);
      expect(denied.stderr).to.contain("denied role may be granted: ada@example.com (invite to ORGANIZATION_OWNER)");
      await stack.run(["up", "--yes"]);
      expect((await stack.invites()).sso.outputs).to.include({ adopted: true });
    });

    it("every kind of change, from one preview: JSON exactly, markdown by its rows, and what up then does matches", async () => {
      emulator.state.acceptInviteOf(emulator.organizationId, "cy@example.com");
      emulator.state.acceptInviteOf(emulator.organizationId, "dee@example.com");
      await stack.run(["refresh", "--yes"]);
      // eve's invite is sent with a 1 s lifetime; the state says PENDING, and by the preview it has expired.
      emulator.state.switches.inviteLifetimeSeconds = 1;
      await declare(stack, { ...team, eve: { email: "eve@example.com" } });
      await stack.run(["up", "--yes"]);
      emulator.state.switches.inviteLifetimeSeconds = 7 * 24 * 3600;
      const eveExpiry = String((await stack.invites()).eve.outputs.expiresAt);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(eveExpiry) - Date.now() + 200)));

      const { bob: _bob, dee: _dee, sso: _sso, ...kept } = team;
      await declare(stack, {
        ...kept,
        ada: { ...team.ada, role: "ORGANIZATION_OBSERVE_ADMIN" },
        cy: { ...team.cy, role: "ORGANIZATION_OWNER" },
        gus: { ...team.gus, email: "gustav@example.com" },
        eve: { email: "eve@example.com" },
        fay: { email: "fay@example.com", role: "ORGANIZATION_BILLING_ADMIN" },
      });
      const preview = await previewJson();
      const review = await astroInvites(["review", "--format", "json"], { input: preview });
      expect(review.code).to.equal(0);
      const org = emulator.organizationId;
      expect(JSON.parse(review.stdout).changes).to.deep.equal([
        {
          action: "invite",
          email: "fay@example.com",
          organizationId: org,
          fromRole: null,
          toRole: "ORGANIZATION_BILLING_ADMIN",
          status: null,
          reason: "new to the stack: an invite is sent (adopted instead if already an active member)",
          unknown: [],
          resource: "fay",
        },
        {
          action: "change-role",
          email: "cy@example.com",
          organizationId: org,
          fromRole: "ORGANIZATION_OBSERVE_ADMIN",
          toRole: "ORGANIZATION_OWNER",
          status: "ACTIVE",
          reason: "role changed through the roles endpoint, no new invite",
          unknown: [],
          resource: "cy",
        },
        {
          action: "reinvite",
          email: "ada@example.com",
          organizationId: org,
          fromRole: "ORGANIZATION_OWNER",
          toRole: "ORGANIZATION_OBSERVE_ADMIN",
          status: "PENDING",
          reason: "role changed while pending: the invite is revoked and sent again with the new role",
          unknown: [],
          resource: "ada",
        },
        {
          action: "reinvite",
          email: "eve@example.com",
          organizationId: org,
          fromRole: "ORGANIZATION_MEMBER",
          toRole: "ORGANIZATION_MEMBER",
          status: "PENDING",
          reason: `expired at ${eveExpiry}: a new invite is sent`,
          unknown: [],
          resource: "eve",
        },
        {
          action: "revoke",
          email: "bob@example.com",
          organizationId: org,
          fromRole: "ORGANIZATION_MEMBER",
          toRole: null,
          status: "PENDING",
          reason: "removed from the program: the pending invite is revoked",
          unknown: [],
          resource: "bob",
        },
        {
          action: "demote",
          email: "dee@example.com",
          organizationId: org,
          fromRole: "ORGANIZATION_BILLING_ADMIN",
          toRole: "ORGANIZATION_MEMBER",
          status: "ACTIVE",
          reason: 'removed from the program: set to ORGANIZATION_MEMBER (onDelete "demote")',
          unknown: [],
          resource: "dee",
        },
        {
          action: "leave",
          email: "sso@example.com",
          organizationId: org,
          fromRole: "ORGANIZATION_OBSERVE_ADMIN",
          toRole: "ORGANIZATION_OBSERVE_ADMIN",
          status: "ACTIVE",
          reason: "adopted as ORGANIZATION_OBSERVE_ADMIN, the role they hold: left as is",
          unknown: [],
          resource: "sso",
        },
        {
          action: "move",
          email: "gustav@example.com",
          organizationId: org,
          fromRole: "ORGANIZATION_OBSERVE_MEMBER",
          toRole: "ORGANIZATION_OBSERVE_MEMBER",
          status: "PENDING",
          reason: "email gus@example.com -> gustav@example.com: the old one is revoked, a new invite is sent",
          unknown: [],
          resource: "gus",
        },
      ]);

      const markdown = (await astroInvites(["review"], { input: preview })).stdout;
      writeFileSync(join(REPO_ROOT, ".pulumi-test", "review-example.md"), markdown);
      const rows = markdown.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| action"));
      expect(rows).to.include.members([
        "| reinvite | ada@example.com | ORGANIZATION_OWNER → ORGANIZATION_OBSERVE_ADMIN | PENDING | role changed while pending: the invite is revoked and sent again with the new role | `ada` |",
        "| revoke | bob@example.com | ORGANIZATION_MEMBER | PENDING | removed from the program: the pending invite is revoked | `bob` |",
        "| change-role | cy@example.com | ORGANIZATION_OBSERVE_ADMIN → ORGANIZATION_OWNER | ACTIVE | role changed through the roles endpoint, no new invite | `cy` |",
        '| demote | dee@example.com | ORGANIZATION_BILLING_ADMIN → ORGANIZATION_MEMBER | ACTIVE | removed from the program: set to ORGANIZATION_MEMBER (onDelete "demote") | `dee` |',
        "| invite | fay@example.com | ORGANIZATION_BILLING_ADMIN | new | new to the stack: an invite is sent (adopted instead if already an active member) | `fay` |",
      ]);
      expect(rows).to.have.length(8);
      expect(markdown).to.contain("**1 invite, 1 role change, 2 re-invites, 1 revocation, 1 demotion, 1 left as is, 1 move**");
      expect((await astroInvites(["review", "--format", "text"], { input: preview })).stdout).to.match(
        /^demote\s+dee@example\.com\s+ORGANIZATION_BILLING_ADMIN → ORGANIZATION_MEMBER\s+ACTIVE\s+removed from the program/m,
      );

      expect((await astroInvites(["review", "--deny-role", "ORGANIZATION_OWNER"], { input: preview })).code).to.equal(3);
      const twoDenied = await astroInvites(
        ["review", "--deny-role", "ORGANIZATION_BILLING_ADMIN", "--deny-role", "ORGANIZATION_OBSERVE_ADMIN"],
        { input: preview },
      );
      expect(twoDenied.code).to.equal(3);
      expect(twoDenied.stderr)
        .to.contain("fay@example.com (invite to ORGANIZATION_BILLING_ADMIN)")
        .and.to.contain("ada@example.com (reinvite to ORGANIZATION_OBSERVE_ADMIN)");

      await stack.run(["up", "--yes"]);
      expect(member("bob@example.com")).to.equal(undefined);
      expect(member("cy@example.com")).to.include({ organizationRole: "ORGANIZATION_OWNER" });
      expect(member("dee@example.com")).to.include({ organizationRole: "ORGANIZATION_MEMBER" });
      expect(member("sso@example.com")).to.include({ organizationRole: "ORGANIZATION_OBSERVE_ADMIN" });
      expect(member("gus@example.com")).to.equal(undefined);
      expect(member("gustav@example.com")).to.include({ status: "PENDING" });

      const quiet = await astroInvites(["review", "--deny-role", "ORGANIZATION_OWNER"], { input: await previewJson() });
      expect(quiet.code).to.equal(0);
      expect(quiet.stdout).to.contain("**no membership changes**");
    });
  });

  describe("review: pulumi preview --refresh --json, the pipeline the README recommends", () => {
    // Its own emulator: the people here are new to it.
    let own: Emulator;
    let stack: PulumiWorkspace;
    before(async () => {
      own = await startEmulator();
      stack = await newStack(own);
    });
    after(async () => {
      stack.dispose();
      await own.stop();
    });
    const person = (email: string) => own.organization().users.find((u) => u.username === email);

    it("each person's program step, with what the refresh found: acceptance, a pending raise, a role restored", async () => {
      const orgId = own.organizationId;
      await declare(stack, {
        cy: { email: "cy@example.com", role: "ORGANIZATION_OBSERVE_ADMIN" },
        ana: { email: "ana@example.com" },
        dan: { email: "dan@example.com", role: "ORGANIZATION_BILLING_ADMIN" },
      });
      await stack.run(["up", "--yes"]);
      own.state.acceptInviteOf(orgId, "dan@example.com");
      await stack.run(["refresh", "--yes"]);
      // Since the last refresh: cy accepted, and dan was made Owner in the Astro UI.
      own.state.acceptInviteOf(orgId, "cy@example.com");
      own.state.setRoleOutOfBand(orgId, person("dan@example.com")!.id, "ORGANIZATION_OWNER");
      await declare(stack, {
        cy: { email: "cy@example.com", role: "ORGANIZATION_OWNER" },
        ana: { email: "ana@example.com", role: "ORGANIZATION_BILLING_ADMIN" },
        dan: { email: "dan@example.com", role: "ORGANIZATION_BILLING_ADMIN" },
      });
      const preview = (await stack.run(["preview", "--refresh", "--json"])).stdout;
      const review = await astroInvites(["review", "--format", "json"], { input: preview });
      expect(review.code, review.stderr).to.equal(0);
      const json = JSON.parse(review.stdout);
      expect(json.refreshed).to.equal(true);
      expect(json.changes.map((c: MembershipChange) => [c.action, c.email, c.fromRole, c.toRole, c.status, c.reason])).to.deep.equal([
        [
          "change-role",
          "cy@example.com",
          "ORGANIZATION_OBSERVE_ADMIN",
          "ORGANIZATION_OWNER",
          "ACTIVE",
          "accepted since the last refresh; role changed through the roles endpoint, no new invite",
        ],
        [
          "change-role",
          "dan@example.com",
          "ORGANIZATION_OWNER",
          "ORGANIZATION_BILLING_ADMIN",
          "ACTIVE",
          "role changed outside the stack (ORGANIZATION_BILLING_ADMIN -> ORGANIZATION_OWNER): up restores ORGANIZATION_BILLING_ADMIN through the roles endpoint",
        ],
        [
          "reinvite",
          "ana@example.com",
          "ORGANIZATION_MEMBER",
          "ORGANIZATION_BILLING_ADMIN",
          "PENDING",
          "role changed while pending: the invite is revoked and sent again with the new role",
        ],
      ]);
      const owner = await astroInvites(["review", "--deny-role", "ORGANIZATION_OWNER"], { input: preview });
      expect([owner.code, owner.stderr.trim()]).to.deep.equal([
        3,
        "astro-invites review: denied role may be granted: cy@example.com (change-role to ORGANIZATION_OWNER)",
      ]);
      expect((await astroInvites(["review", "--deny-role", "ORGANIZATION_OBSERVE_MEMBER"], { input: preview })).code).to.equal(0);
      writeFileSync(
        join(REPO_ROOT, ".pulumi-test", "review-refresh-example.md"),
        (await astroInvites(["review"], { input: preview })).stdout,
      );

      // What up then does is what the review said.
      await stack.run(["up", "--yes", "--refresh"]);
      expect(person("cy@example.com")).to.include({ status: "ACTIVE", organizationRole: "ORGANIZATION_OWNER" });
      expect(person("dan@example.com")).to.include({ organizationRole: "ORGANIZATION_BILLING_ADMIN" });
      expect(person("ana@example.com")).to.include({ status: "PENDING", organizationRole: "ORGANIZATION_BILLING_ADMIN" });

      const destroy = await stack.run(["destroy", "--preview-only", "--json"], { env: { PULUMI_SKIP_CONFIRMATIONS: "" } });
      const undo = JSON.parse((await astroInvites(["review", "--format", "json"], { input: destroy.stdout })).stdout);
      expect(undo.changes.map((c: MembershipChange) => [c.action, c.email, c.toRole])).to.deep.equal([
        ["revoke", "ana@example.com", null],
        ["demote", "cy@example.com", "ORGANIZATION_MEMBER"],
        ["demote", "dan@example.com", "ORGANIZATION_MEMBER"],
      ]);
    });
  });

  describe("review: bad input is one line naming the problem, exit 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "review-input-"));
    const text = join(dir, "preview.txt");
    writeFileSync(text, "Previewing update (dev):\n");
    after(() => rmSync(dir, { recursive: true, force: true }));
    const cases: [string, string[], string | undefined, RegExp][] = [
      ["a missing file", ["review", join(dir, "missing.json")], undefined, /^astro-invites: cannot read .*missing\.json: no such file$/],
      [
        "a file that is not JSON",
        ["review", text],
        undefined,
        /^astro-invites: .*preview\.txt is not JSON \(.*\); give the output of `pulumi preview --json`$/,
      ],
      [
        "JSON that is not a preview",
        ["review"],
        '{"resources": []}',
        /^astro-invites: standard input is not the output of `pulumi preview --json`: the document has neither "steps" nor "changeSummary"$/,
      ],
      [
        "an unknown --deny-role",
        ["review", "--deny-role", "OWNER"],
        "{}",
        /^astro-invites: --deny-role must be one of \[ORGANIZATION_OWNER, .*\], got "OWNER"$/,
      ],
    ];
    const update = {
      op: "update",
      urn: "urn:pulumi:dev::p::pulumi-nodejs:dynamic/astro:OrganizationUserInvite::cy",
      newState: {
        type: "pulumi-nodejs:dynamic/astro:OrganizationUserInvite",
        inputs: { email: "cy@example.com", role: "ORGANIZATION_OWNER" },
      },
    };
    cases.push([
      "an invite's update without oldState",
      ["review", "--deny-role", "ORGANIZATION_OWNER"],
      JSON.stringify({ steps: [update] }),
      /^astro-invites: standard input: urn:.*::cy: an update without "oldState": the preview does not say what the step starts from$/,
    ]);
    for (const [name, args, input, expected] of cases) {
      it(name, async () => {
        const result = await astroInvites(args, { input });
        expect(result.code).to.equal(2);
        expect(result.stdout).to.equal("");
        expect(result.stderr.trimEnd().split("\n")).to.have.length(1);
        expect(result.stderr.trimEnd()).to.match(expected);
      });
    }
  });

  describe("help: every command's usage on standard output, exit 0", () => {
    for (const args of [["--help"], ["-h"], ["review", "--help"], ["review", "-h"], ["export", "--help"], ["audit", "--help"]]) {
      it(args.join(" "), async () => {
        const result = await astroInvites(args);
        expect([result.code, result.stderr]).to.deep.equal([0, ""]);
        expect(result.stdout)
          .to.contain(`astro-invites ${["export", "audit"].includes(args[0]) ? args[0] : "review"} ${args[0] === "audit" ? "(" : "["}`)
          .and.to.contain("Exit codes:");
      });
    }
  });

  describe("export: start from the organization you have", () => {
    it("round trip: seed all five roles, export, declare the file, up sends no invite and records everyone; destroy changes nobody", async () => {
      const seeded = await startEmulator();
      const stack = new PulumiWorkspace(TEAM_PROGRAM);
      try {
        const roles = [
          "ORGANIZATION_OWNER",
          "ORGANIZATION_BILLING_ADMIN",
          "ORGANIZATION_OBSERVE_ADMIN",
          "ORGANIZATION_OBSERVE_MEMBER",
          "ORGANIZATION_MEMBER",
        ];
        roles.forEach((role, i) => seeded.state.seedMember(seeded.organizationId, `member${i}@example.com`, role));
        seeded.state.seedMember(seeded.organizationId, "invited@example.com", "ORGANIZATION_OBSERVE_MEMBER", "PENDING");
        // A role of member1's own in a workspace is exported; member2's, through a Team, is not.
        const data = seeded.state.createWorkspace(seeded.organizationId, "Data Eng").id;
        const member = (i: number) => seeded.organization().users.find((u) => u.username === `member${i}@example.com`)!.id;
        seeded.state.grantDirectRoles(seeded.organizationId, member(1), {
          workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_OPERATOR" }],
        });
        seeded.state.seedTeam(seeded.organizationId, "analysts", [member(2)], {
          workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_MEMBER" }],
        });
        const file = join(stack.projectDir, "members.txt");
        const env = { ASTRO_API_TOKEN: seeded.token, ASTRO_ORGANIZATION_ID: seeded.organizationId, ASTRO_API_URL: seeded.apiUrl };
        const exported = await astroInvites(["export", "--output", file], { env });
        expect(exported.code, exported.stderr).to.equal(0);
        expect(exported.stderr).to.contain("page 1: 6 users so far, of 6");
        const lines = readFileSync(file, "utf8").split("\n");
        expect(lines.filter((l) => !l.startsWith("#") && l)).to.deep.equal([
          "invited@example.com ORGANIZATION_OBSERVE_MEMBER # pending",
          ...roles.map((role, i) =>
            i === 1 ? `member1@example.com ${role} ${data}=WORKSPACE_OPERATOR # ${data}: Data Eng` : `member${i}@example.com ${role}`,
          ),
        ]);
        expect(lines[0]).to.match(new RegExp(`^# Members of Astro organization ${seeded.organizationId}, exported \\d{4}-`));

        const before = JSON.stringify(seeded.organization());
        await stack.init(
          { "astro:organizationId": seeded.organizationId, "astro:apiUrl": seeded.apiUrl, file },
          { "astro:apiToken": seeded.token },
        );
        await stack.run(["up", "--yes"]);
        const { invites, users } = seeded.organization();
        expect(invites.filter((i) => i.state === "pending").map((i) => i.email)).to.deep.equal(["invited@example.com"]);
        expect(invites).to.have.length(1);
        const recorded = Object.values(await stack.invites()).map((r) => r.outputs);
        expect(recorded.map((o) => [o.email, o.adopted, o.status]).sort()).to.deep.equal([
          ["invited@example.com", false, "PENDING"],
          ...roles.map((_, i) => [`member${i}@example.com`, true, "ACTIVE"]),
        ]);
        expect(users.map((u) => `${u.username} ${u.organizationRole} ${u.status}`).sort()).to.deep.equal(
          JSON.parse(before)
            .users.map(
              (u: { username: string; organizationRole: string; status: string }) => `${u.username} ${u.organizationRole} ${u.status}`,
            )
            .sort(),
        );
        const again = await stack.run(["preview"]);
        expect(again.output).not.to.match(/to (create|update|replace|delete)/);

        // The review reads invites declared inside OrganizationUserInvites too (and nothing else of the stack).
        writeFileSync(
          file,
          readFileSync(file, "utf8").replace("member4@example.com ORGANIZATION_MEMBER", "member4@example.com ORGANIZATION_OWNER"),
        );
        const teamPreview = (await stack.run(["preview", "--json"])).stdout;
        const teamReview = await astroInvites(["review", "--format", "json", "--deny-role", "ORGANIZATION_OWNER"], { input: teamPreview });
        expect(teamReview.code).to.equal(3);
        expect(JSON.parse(teamReview.stdout).changes).to.deep.equal([
          {
            action: "change-role",
            email: "member4@example.com",
            organizationId: seeded.organizationId,
            fromRole: "ORGANIZATION_MEMBER",
            toRole: "ORGANIZATION_OWNER",
            status: "ACTIVE",
            reason: "role changed through the roles endpoint, no new invite",
            unknown: [],
            resource: "team-member4@example.com",
          },
        ]);
        await stack.run(["destroy", "--yes"]);
        expect(JSON.stringify(seeded.organization().users)).to.equal(JSON.stringify(JSON.parse(before).users));
        expect(seeded.state.directRoles(seeded.organizationId, member(1)).workspaceRoles).to.deep.equal([
          { workspaceId: data, role: "WORKSPACE_OPERATOR" },
        ]);
        expect(seeded.state.directRoles(seeded.organizationId, member(2)).workspaceRoles).to.deep.equal([]);
      } finally {
        stack.dispose();
        await seeded.stop();
      }
    });

    it("csv and ts formats declare the same members; --active-only leaves the pending out", async () => {
      emulator.state.seedMember(emulator.organizationId, "x@example.com", "ORGANIZATION_OWNER", "PENDING");
      const env = { ASTRO_API_TOKEN: emulator.token, ASTRO_ORGANIZATION_ID: emulator.organizationId, ASTRO_API_URL: emulator.apiUrl };
      const csv = (await astroInvites(["export", "--format", "csv"], { env })).stdout;
      expect(csv).to.contain("\nemail,role\n").and.to.contain("x@example.com,ORGANIZATION_OWNER # pending\n");
      const ts = (await astroInvites(["export", "--format", "ts", "--active-only"], { env })).stdout;
      expect(ts).to.contain('new OrganizationUserInvites("organization-members", {').and.not.to.contain("x@example.com");
    });

    it("bad input: a missing token, an unknown organization: one line each, exit 2", async () => {
      const noToken = await astroInvites(["export"], {
        env: { ASTRO_API_TOKEN: "", ASTRO_ORGANIZATION_ID: emulator.organizationId, ASTRO_API_URL: emulator.apiUrl },
      });
      expect([noToken.code, noToken.stderr.trim()]).to.deep.equal([
        2,
        "astro-invites: no Astro API token: export ASTRO_API_TOKEN=<token> (an Organization API token with organization.users.get)",
      ]);
      const unknown = await astroInvites(["export", "--organization-id", "cnosuchorg000000000000000"], {
        env: { ASTRO_API_TOKEN: emulator.token, ASTRO_API_URL: emulator.apiUrl },
      });
      expect(unknown.code).to.equal(2);
      // Progress first, then the error: one line.
      expect(unknown.stderr.trim().split("\n").pop()).to.match(
        /^astro-invites: Astro API listUsers failed \(HTTP 404\): Organization cnosuchorg000000000000000 not found\. \(requestId \w+\)$/,
      );
    });
  });
});
