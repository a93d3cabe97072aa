import { expect } from "chai";
import { AstroClient } from "../../../provider/api/client";
import { audit } from "../../../provider/audit/audit";
import { AllowFileError, applyAllow, parseAllowFile } from "../../../provider/audit/allow";
import { DeclarationsError, declarationsIn, StackDeclarations } from "../../../provider/audit/declarations";
import { Finding, grantsOwner } from "../../../provider/audit/findings";
import { gated, renderReport } from "../../../provider/audit/report";
import { INVITE_TYPE } from "../../../provider/invite/resource-type";
import { TEAM_TYPE } from "../../../provider/team/resource-type";
import { Emulator, startEmulator } from "../../../provider/emulator/server";

/** A `pulumi stack export` document with these invites (name -> declared inputs). */
function exportOf(invites: Record<string, Record<string, unknown>>, extra: object[] = []): string {
  const resources = [
    { urn: "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev", type: "pulumi:pulumi:Stack" },
    ...Object.entries(invites).map(([name, inputs]) => ({ urn: `urn:pulumi:dev::p::${INVITE_TYPE}::${name}`, type: INVITE_TYPE, inputs })),
    ...extra,
  ];
  return JSON.stringify({ version: 3, deployment: { manifest: {}, resources } });
}

const SECRET = "4dabf18193072939515e22adb298388d";
const NOW = new Date("2026-12-05T12:00:00Z");

describe("astro-invites audit: access no stack declares", () => {
  let emulator: Emulator;
  let org: string;
  const seed = (email: string, role = "ORGANIZATION_MEMBER", status?: "PENDING" | "INACTIVE") =>
    emulator.state.seedMember(org, email, role, status);
  const client = (token = emulator.token) => new AstroClient({ token, baseUrl: emulator.apiUrl });
  const run = (stacks: StackDeclarations[], options: { token?: string; allow?: string } = {}) =>
    audit({
      client: client(options.token),
      organizationId: org,
      stacks,
      allow: options.allow ? parseAllowFile(options.allow, "allow.txt") : [],
      now: NOW,
      say: () => undefined,
    });
  const summary = (findings: Finding[]) =>
    findings.map((f) => [f.kind, f.who, f.grants.map((g) => (g.workspaceId ? `${g.workspace}:${g.role}` : g.role)).join(" ")]);

  beforeEach(async () => {
    emulator = await startEmulator({ rateLimits: false });
    org = emulator.organizationId;
  });
  afterEach(() => emulator.stop());

  /** An organization with every kind of finding, and the two stacks that declare part of it. */
  function organization() {
    const data = emulator.state.createWorkspace(org, "Data").id;
    const ml = emulator.state.createWorkspace(org, "ML").id;
    seed("ana@example.com", "ORGANIZATION_OWNER"); // declared MEMBER: raised by hand
    const bob = seed("bob@example.com");
    emulator.state.grantDirectRoles(org, bob, {
      workspaceRoles: [
        { workspaceId: data, role: "WORKSPACE_OWNER" }, // declared WORKSPACE_MEMBER: raised by hand
        { workspaceId: ml, role: "WORKSPACE_AUTHOR" }, // not declared at all
      ],
    });
    seed("carl@example.com", "ORGANIZATION_OWNER"); // no stack declares carl
    seed("dana@example.com", "ORGANIZATION_MEMBER", "PENDING"); // an invite no stack sent
    const eve = seed("eve@example.com", "ORGANIZATION_BILLING_ADMIN"); // declared as she is
    seed("gone@example.com", "ORGANIZATION_OWNER", "INACTIVE"); // no access
    const observer = seed("olga@example.com", "ORGANIZATION_OBSERVE_MEMBER"); // declared OBSERVE_ADMIN: covered
    emulator.state.seedTeam(org, "Platform", [eve, observer], { workspaceRoles: [{ workspaceId: ml, role: "WORKSPACE_OPERATOR" }] });
    emulator.state.seedTeam(org, "Everyone", [eve]); // grants nothing beyond membership
    const a = declarationsIn(
      exportOf({
        ana: { email: "Ana@Example.com", role: "ORGANIZATION_MEMBER", organizationId: org },
        eve: { email: "eve@example.com", role: "ORGANIZATION_BILLING_ADMIN", organizationId: org },
      }),
      "stack a",
    );
    const b = declarationsIn(
      exportOf({
        bob: { email: "bob@example.com", organizationId: org, workspaceRoles: { [data]: "WORKSPACE_MEMBER" } },
        olga: { email: "olga@example.com", role: "ORGANIZATION_OBSERVE_ADMIN", organizationId: org },
        elsewhere: { email: "carl@example.com", role: "ORGANIZATION_OWNER", organizationId: "cotherorganization0000000" },
      }),
      "team.json",
    );
    return { data, ml, a, b };
  }

  it("finds each kind once: an undeclared person (and pending invitee), drift a stack restores, a grant outside it, a Team", async () => {
    const { a, b } = organization();
    const report = await run([a, b]);
    expect(summary(report.findings)).to.deep.equal([
      ["drift", "ana@example.com", "ORGANIZATION_OWNER"],
      ["drift", "bob@example.com", "Data:WORKSPACE_OWNER"],
      ["grant", "bob@example.com", "ML:WORKSPACE_AUTHOR"],
      ["person", "carl@example.com", "ORGANIZATION_OWNER"],
      ["person", "dana@example.com", "ORGANIZATION_MEMBER"],
      ["team", "Platform", "ML:WORKSPACE_OPERATOR"],
    ]);
    const [ana, bob, bobGrant, carl, dana, platform] = report.findings;
    expect(ana.declaredBy).to.deep.equal(["stack a"]);
    expect(ana.why).to.contain("stack a sets it back on its next `pulumi up --refresh`");
    expect(bob.declaredBy).to.deep.equal(["team.json"]);
    expect(bobGrant.why).to.contain("leaves alone");
    expect(carl.fix).to.equal("astro-invites export --only carl@example.com writes them as a member file to declare (adopt) in a stack");
    expect(dana).to.include({ status: "PENDING" });
    expect(dana.why).to.contain("access once they accept");
    expect(platform.members).to.deep.equal(["eve@example.com", "olga@example.com"]);
    expect(report.sources).to.deep.equal([
      { source: "stack a", people: 2, teams: 0 },
      { source: "team.json", people: 2, teams: 0 },
    ]);
    expect(report).to.include({ complete: true, version: 1 });
    expect(report.summary).to.deep.equal({ findings: 6, owners: 3, allowed: 0 });
  });

  it("a Team a stack declares is not reported, unless it holds more than declared: roles above it, members it does not list", async () => {
    const { a, b, ml } = organization();
    const platform = emulator.organization().teams.find((t) => t.name === "Platform")!.id;
    const teamsOf = (teams: Record<string, Record<string, unknown>>) =>
      declarationsIn(
        exportOf({}, [
          ...Object.entries(teams).map(([name, declared]) => ({
            urn: `urn:pulumi:dev::p::${TEAM_TYPE}::${name}`,
            type: TEAM_TYPE,
            inputs: { organizationId: org, ...declared },
            outputs: { teamId: declared.name === "Platform" ? platform : "" },
          })),
        ]),
        "stack teams",
      );
    const declared = teamsOf({
      platform: { name: "Platform", workspaceRoles: { [ml]: "WORKSPACE_OPERATOR" }, members: ["eve@example.com", "olga@example.com"] },
    });
    expect(summary((await run([a, b, declared])).findings).map(([kind, who]) => `${kind} ${who}`)).to.deep.equal([
      "drift ana@example.com",
      "drift bob@example.com",
      "grant bob@example.com",
      "person carl@example.com",
      "person dana@example.com",
    ]);
    const lower = teamsOf({ platform: { name: "Platform", workspaceRoles: { [ml]: "WORKSPACE_MEMBER" }, members: ["eve@example.com"] } });
    const drift = (await run([a, b, lower])).findings.find((f) => f.kind === "drift" && f.who === "Platform")!;
    expect(drift.grants).to.deep.equal([{ workspaceId: ml, role: "WORKSPACE_OPERATOR", workspace: "ML" }]);
    expect(drift.why).to.equal(
      "Team Platform has roles above its declaration and members no declaration lists (olga@example.com); stack teams sets it back on its next `pulumi up --refresh`",
    );
  });

  it("Deployment and DAG roles: above a declaration is drift, undeclared is a grant, a Team's are its own, Astro's WORKSPACE_ACCESSOR is neither", async () => {
    const data = emulator.state.createWorkspace(org, "Data").id;
    const ml = emulator.state.createWorkspace(org, "ML").id;
    const etl = emulator.state.createDeployment(org, data, "etl").id;
    const train = emulator.state.createDeployment(org, ml, "train").id;
    const custom = emulator.state.createCustomRole(org, "DEPLOYMENT");
    const finance = (role: string) => ({ deploymentId: etl, dagTag: "finance", role });
    const jane = seed("jane@example.com");
    // Granted as the stack declares it (with the accessor Astro adds in Data), then raised and added to by hand.
    emulator.state.grantDirectRoles(org, jane, {
      workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_ACCESSOR" }],
      deploymentRoles: [
        { deploymentId: etl, role: "DEPLOYMENT_ADMIN" },
        { deploymentId: train, role: custom },
      ],
      dagRoles: [finance("DAG_AUTHOR")],
    });
    const kim = seed("kim@example.com");
    emulator.state.grantDirectRoles(org, kim, {
      dagRoles: [finance("DAG_VIEWER")],
      deploymentRoles: [{ deploymentId: etl, role: "DEPLOYMENT_ADMIN" }],
    });
    emulator.state.seedTeam(org, "Trainers", [kim], {
      workspaceRoles: [{ workspaceId: ml, role: "WORKSPACE_ACCESSOR" }],
      deploymentRoles: [{ deploymentId: train, role: "DEPLOYMENT_ADMIN" }],
    });
    emulator.state.seedTeam(org, "ETL", [], { deploymentRoles: [{ deploymentId: etl, role: custom }] });
    const declared = declarationsIn(
      exportOf(
        {
          jane: {
            email: "jane@example.com",
            organizationId: org,
            deploymentRoles: { [etl]: "DEPLOYMENT_ADMIN" },
            dagRoles: [finance("DAG_VIEWER")],
          },
          kim: {
            email: "kim@example.com",
            organizationId: org,
            deploymentRoles: { [etl]: "DEPLOYMENT_ADMIN" },
            dagRoles: [finance("DAG_AUTHOR")],
          },
        },
        [
          {
            urn: `urn:pulumi:dev::p::${TEAM_TYPE}::trainers`,
            type: TEAM_TYPE,
            inputs: { name: "Trainers", organizationId: org, deploymentRoles: { [train]: "DEPLOYMENT_ADMIN" } },
            outputs: { teamId: emulator.organization().teams.find((t) => t.name === "Trainers")!.id },
          },
        ],
      ),
      "stack dev",
    );
    const report = await run([declared]);
    const grants = (f: Finding) => f.grants.map((g) => [g.role, g.deployment ?? g.workspace, g.dag ?? null]);
    expect(report.findings.map((f) => [f.kind, f.who, grants(f)])).to.deep.equal([
      ["drift", "jane@example.com", [["DAG_AUTHOR", "etl", "tag:finance"]]],
      ["grant", "jane@example.com", [[custom, "train", null]]],
      ["team", "ETL", [[custom, "etl", null]]],
    ]);
    expect(renderReport(report, "text")).to.contain("DAG_AUTHOR on tag:finance of etl").and.contain(`${custom} on train`);
  });

  it("reads at list cost: one users walk, the workspaces and one walk each, the Teams and one members walk each; no read per person", async () => {
    const { a, b } = organization();
    for (let i = 0; i < 30; i++) seed(`p${i}@example.com`);
    emulator.log.length = 0;
    await run([a, b]);
    const operations: Record<string, number> = {};
    for (const entry of emulator.log) operations[entry.operation ?? entry.path] = (operations[entry.operation ?? entry.path] ?? 0) + 1;
    expect(operations).to.deep.equal({ listUsers: 3, listWorkspaces: 1, listDeployments: 1, listTeams: 1, listTeamMembers: 2 });
  });

  it("a token that may not read Teams or workspaces: says what was not audited instead of a clean organization", async () => {
    const { a, b } = organization();
    const usersOnly = emulator.createToken("reader", [org], ["organization.users.get"]);
    const report = await run([a, b], { token: usersOnly });
    expect(report.complete).to.equal(false);
    expect(report.notAudited).to.have.length(3);
    expect(report.notAudited[0]).to.match(/^workspace roles: .*organization\.workspaces\.get/);
    expect(report.notAudited[1]).to.match(/^Deployment and DAG roles: .*organization\.deployments\.get/);
    expect(report.notAudited[2]).to.match(/^Teams: .*organization\.teams\.get/);
    expect(renderReport(report, "text")).to.contain("INCOMPLETE: some access could not be read");
    expect(renderReport(report, "markdown")).to.contain("> Not everything could be read, so this is not a clean bill:");

    const teamsToo = emulator.createToken("reader2", [org], ["organization.users.get", "organization.workspaces.get"]);
    const partial = await run([a, b], { token: teamsToo });
    expect(partial.notAudited.map((line) => line.split(":")[0])).to.deep.equal([
      "Deployment and DAG roles",
      "Teams",
      "whose roles are their own",
    ]);
    // Without the Teams, Platform's grant to olga is counted as hers: reported, never hidden.
    expect(summary(partial.findings)).to.deep.include(["grant", "olga@example.com", "ML:WORKSPACE_OPERATOR"]);
  });

  it("an allow entry silences a person or Team until its expiry, then reports them again, saying so", async () => {
    const { a, b } = organization();
    const report = await run([a, b], {
      allow: ["# exceptions", "CARL@example.com: break-glass account", 'team "Platform" until 2026-12-04: moves to code', ""].join("\n"),
    });
    expect(report.allowed.map((f) => [f.who, f.allowedBy.reason])).to.deep.equal([["carl@example.com", "break-glass account"]]);
    const platform = report.findings.find((f) => f.who === "Platform")!;
    expect(platform.allowExpired).to.deep.equal({ line: 3, until: "2026-12-04", reason: "moves to code" });
    expect(renderReport(report, "text")).to.contain("The allow entry on line 3 expired 2026-12-04.");
    const still = applyAllow([platform], parseAllowFile('team "Platform" until 2026-12-05: today still', "f"), NOW);
    expect(still.allowed).to.have.length(1);
  });

  it("the gate: --fail-on owner takes unmanaged Owners only (a Team with no members makes no one Owner); any takes all", async () => {
    const { a, b } = organization();
    emulator.state.seedTeam(org, "Empty owners", [], { organizationRole: "ORGANIZATION_OWNER" });
    const report = await run([a, b]);
    expect(gated(report, "owner").map((f) => f.who)).to.deep.equal(["ana@example.com", "bob@example.com", "carl@example.com"]);
    expect(gated(report, "any")).to.have.length(7);
    expect(gated(report, undefined)).to.deep.equal([]);
    expect(grantsOwner(report.findings.find((f) => f.who === "Empty owners")!)).to.equal(false);
  });

  it("renders every finding in markdown and text, and json is the report itself", async () => {
    const { a, b } = organization();
    const report = await run([a, b]);
    const rows = renderReport(report, "markdown")
      .split("\n")
      .filter((line) => line.startsWith("| ") && !line.startsWith("| finding") && !line.startsWith("| ---"));
    expect(rows.map((row) => row.split(" | ").slice(0, 2).join(" | "))).to.deep.equal([
      "| drift | ana@example.com",
      "| drift | bob@example.com",
      "| grant | bob@example.com",
      "| person | carl@example.com",
      "| person | dana@example.com (pending)",
      "| team | Team Platform",
    ]);
    expect(JSON.parse(renderReport(report, "json"))).to.deep.equal(JSON.parse(JSON.stringify(report)));
    expect(renderReport(report, "text")).to.contain("  Team Platform: WORKSPACE_OPERATOR in ML, 2 members");
  });
});

describe("astro-invites audit: what stacks declare, from their state", () => {
  it("reads each invite's declared inputs; leaves out resources being deleted and other types", () => {
    const read = declarationsIn(
      exportOf(
        {
          jane: {
            email: " Jane@Example.com ",
            organizationId: "corg",
            role: "ORGANIZATION_OWNER",
            workspaceRoles: { w: "WORKSPACE_MEMBER" },
          },
        },
        [
          {
            urn: `urn:pulumi:dev::p::${INVITE_TYPE}::old`,
            type: INVITE_TYPE,
            delete: true,
            inputs: { email: "old@example.com", organizationId: "corg" },
          },
        ],
      ),
      "stack dev",
    );
    expect(read.people).to.deep.equal([
      {
        source: "stack dev",
        resource: "jane",
        email: "jane@example.com",
        organizationId: "corg",
        role: "ORGANIZATION_OWNER",
        workspaceRoles: { w: "WORKSPACE_MEMBER" },
        deploymentRoles: {},
        dagRoles: [],
      },
    ]);
    expect(read.unreadable).to.deep.equal([]);
  });

  it("names an invite whose declaration is a secret it cannot read; reads one exported with --show-secrets", () => {
    const read = declarationsIn(
      exportOf({
        hidden: {
          email: "a@example.com",
          organizationId: "corg",
          role: { [SECRET]: "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc" },
        },
        shown: {
          email: "b@example.com",
          organizationId: "corg",
          role: { [SECRET]: "1b47061264138c4ac30d75fd1eb44270", plaintext: '"ORGANIZATION_OWNER"' },
        },
      }),
      "stack prod",
    );
    expect(read.unreadable).to.have.length(1);
    expect(read.unreadable[0]).to.match(/^stack prod: invite hidden keeps its role as a secret, so whom or what it declares is not known/);
    expect(read.people.map((p) => [p.email, p.role])).to.deep.equal([["b@example.com", "ORGANIZATION_OWNER"]]);
  });

  it("refuses what is not a stack export, naming the source", () => {
    expect(() => declarationsIn("not json", "s.json")).to.throw(DeclarationsError, /^s\.json is not JSON/);
    expect(() => declarationsIn('{"steps": []}', "preview.json")).to.throw(
      DeclarationsError,
      /^preview\.json is not the output of `pulumi stack export`: deployment/,
    );
    expect(declarationsIn('{"deployment": {}}', "empty.json").people).to.deep.equal([]);
  });
});

describe("astro-invites audit: the allow file", () => {
  it("reads entries with reasons and expiry; comments, blank lines, CRLF and a BOM are fine", () => {
    const entries = parseAllowFile(
      '\uFEFF# who: why\r\nsvc@example.com: the deploy bot\r\n\r\nteam "Data: Platform" until 2027-01-31:  moving\r\n',
      "allow.txt",
    );
    expect(entries).to.deep.equal([
      { who: "svc@example.com", kind: "person", until: undefined, reason: "the deploy bot", line: 2 },
      { who: "Data: Platform", kind: "team", until: "2027-01-31", reason: "moving", line: 4 },
    ]);
  });

  for (const [name, text, message] of [
    ["no reason", "a@example.com", "allow.txt:1: an exception needs a reason after"],
    ["an empty reason", "a@example.com:   ", "allow.txt:1: an exception needs a reason after"],
    [
      "not a person or Team",
      "jane: x",
      'allow.txt:1: expected EMAIL [until YYYY-MM-DD]: REASON  or  team "NAME" [until YYYY-MM-DD]: REASON, got "jane: x"',
    ],
    ["an impossible date", "\n\na@example.com until 2027-02-30: x", 'allow.txt:3: until must be a date YYYY-MM-DD, got "2027-02-30"'],
    ["a date in another shape", "a@example.com until 31/01/2027: x", 'allow.txt:1: until must be a date YYYY-MM-DD, got "31/01/2027"'],
    ["a person twice", "a@example.com: x\nA@example.com: y", "allow.txt:2: a@example.com is already allowed on line 1"],
  ]) {
    it(`refuses ${name}, naming the line`, () => {
      expect(() => parseAllowFile(text, "allow.txt"))
        .to.throw(AllowFileError)
        .with.property("message")
        .that.contains(message);
    });
  }
});
