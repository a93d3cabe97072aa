import { expect } from "chai";
import * as lifecycle from "../../../provider/team/lifecycle";
import { teamInputsOf, TeamState } from "../../../provider/team/schema";
import { Emulator, startEmulator } from "../../../provider/emulator/server";
import { configureFor } from "../../support/lifecycle";
import { teamSteps } from "../../support/team";

describe("Team lifecycle: create or adopt, members by email, roles, rename, destroy, against the emulator", () => {
  let emulator: Emulator;
  let org: string;
  let data: string;
  beforeEach(async () => {
    emulator = await startEmulator({ rateLimits: false });
    org = emulator.organizationId;
    data = emulator.state.createWorkspace(org, "Data").id;
    await configureFor(emulator);
  });
  afterEach(() => emulator.stop());

  const seed = (email: string, status?: "PENDING") => emulator.state.seedMember(org, email, "ORGANIZATION_MEMBER", status);
  const teams = () => emulator.organization().teams;
  const writes = () => emulator.log.filter((entry) => entry.method !== "GET").map((entry) => entry.operation);
  const { check, create, refreshAndUp } = teamSteps(() => emulator);

  describe("check: bad input names the field, before anything is sent", () => {
    for (const [name, args, property, reason] of [
      ["no name", {}, "name", "name is required"],
      [
        "a role in lower case",
        { name: "t", organizationRole: "organization_owner" },
        "organizationRole",
        "organizationRole must be one of [ORGANIZATION_OWNER,",
      ],
      [
        "a member that is not an email",
        { name: "t", members: ["a@example.com", "bob"] },
        "members",
        'members[1]: email must contain exactly one "@"',
      ],
      [
        "a member twice",
        { name: "t", members: ["a@example.com", "A@example.com"] },
        "members",
        "members[1]: a@example.com is listed twice",
      ],
      ["members as a string", { name: "t", members: "a@example.com" }, "members", "members must be a list of emails"],
      [
        "a workspace role that is not one",
        { name: "t", workspaceRoles: { [`c${"1".repeat(24)}`]: "OWNER" } },
        "workspaceRoles",
        "must be one of [WORKSPACE_OWNER",
      ],
    ] as const) {
      it(name, async () => {
        const { failures } = await check(args);
        expect(failures.map((f) => f.property)).to.deep.equal([property]);
        expect(failures[0].reason).to.contain(reason);
        expect(writes()).to.deep.equal([]);
      });
    }

    it("an IdP-managed Team, two Teams of one name, SCIM on: refused at preview, naming the Team and why", async () => {
      const idp = emulator.state.seedTeam(org, "Okta Admins", [], { isIdpManaged: true });
      const [a, b] = [emulator.state.seedTeam(org, "Twins", []), emulator.state.seedTeam(org, "Twins", [])];
      const managed = (await check({ name: "Okta Admins" })).failures;
      expect(managed).to.deep.equal([
        {
          property: "name",
          reason: `Team "Okta Admins" (${idp}) is managed by the organization's identity provider (isIdpManaged): Astro does not let the API change it, so no stack can declare it; manage it in the identity provider`,
        },
      ]);
      const twins = (await check({ name: "Twins" })).failures;
      expect(twins[0].reason).to.equal(
        `name "Twins" matches 2 Teams (${a}, ${b}): rename all but one in Astro, so that the stack knows which one it declares`,
      );
      emulator.state.setScimEnabled(org, true);
      const scim = (await check({ name: "New" })).failures;
      expect(scim.map((f) => f.property)).to.deep.equal(["organizationId"]);
      expect(scim[0].reason).to.contain("has SCIM provisioning on: Astro refuses every Team create, change and delete");
      expect(writes()).to.deep.equal([]);
    });
  });

  it("creates a Team with an Owner role, a workspace role and two members, one pending: the pending one waits, then joins after acceptance", async () => {
    seed("ana@example.com");
    seed("pat@example.com", "PENDING");
    const args = {
      name: "Admins",
      organizationRole: "ORGANIZATION_OWNER",
      workspaceRoles: { [data]: "WORKSPACE_OPERATOR" },
      members: ["ana@example.com", "pat@example.com"],
    };
    const state = await create(args);
    expect(state).to.deep.include({
      name: "Admins",
      organizationRole: "ORGANIZATION_OWNER",
      adopted: false,
      members: ["ana@example.com"],
      membersWaiting: ["pat@example.com"],
    });
    expect(state.workspaceRoles).to.deep.equal({ [data]: "WORKSPACE_OPERATOR" });
    expect(teams()).to.have.length(1);
    expect(writes()).to.deep.equal(["createTeam", "updateTeamRoles", "addTeamMembers"]);

    emulator.log.length = 0;
    expect((await refreshAndUp(state, args)).changed, "nothing to do while pat is pending").to.equal(false);
    expect(writes()).to.deep.equal([]);

    emulator.state.acceptInviteOf(org, "pat@example.com");
    const after = await refreshAndUp(state, args);
    expect(after.changed).to.equal(true);
    expect(after.state).to.deep.include({ members: ["ana@example.com", "pat@example.com"], membersWaiting: [] });
    expect(after.state.reportedMembers.map((m) => [m.email, m.status])).to.deep.equal([
      ["ana@example.com", "ACTIVE"],
      ["pat@example.com", "ACTIVE"],
    ]);
    expect(await refreshAndUp(after.state, args)).to.have.property("changed", false);
  });

  it("a member added by hand is removed by up, with their own roles untouched; a rename is an update in place; destroy deletes", async () => {
    seed("ana@example.com");
    const eve = seed("eve@example.com");
    emulator.state.grantDirectRoles(org, eve, { workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_AUTHOR" }] });
    const args = { name: "Ops", members: ["ana@example.com"] };
    const state = await create(args);
    emulator.state.addTeamMemberOutOfBand(state.teamId, eve);
    const cleaned = await refreshAndUp(state, args);
    expect(cleaned.changed).to.equal(true);
    expect(cleaned.state.members).to.deep.equal(["ana@example.com"]);
    expect(emulator.state.directRoles(org, eve).workspaceRoles).to.deep.equal([{ workspaceId: data, role: "WORKSPACE_AUTHOR" }]);

    emulator.log.length = 0;
    const renamed = await refreshAndUp(cleaned.state, { ...args, name: "Operations" });
    expect(renamed.state).to.deep.include({ name: "Operations", teamId: state.teamId });
    expect(writes()).to.deep.equal(["updateTeam"]);

    await lifecycle.remove(state.teamId, renamed.state);
    expect(teams()).to.deep.equal([]);
    await lifecycle.remove(state.teamId, renamed.state); // gone already: nothing to undo
  });

  it("adopts the one Team of that name as found, sending nothing when it matches; destroy sets back only what the stack changed", async () => {
    const kim = seed("kim@example.com");
    seed("lee@example.com");
    const id = emulator.state.seedTeam(org, "Analysts", [kim], { workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_MEMBER" }] });
    const same = await create({ name: "Analysts", workspaceRoles: { [data]: "WORKSPACE_MEMBER" }, members: ["kim@example.com"] });
    expect(same).to.deep.include({ teamId: id, adopted: true, membersAdded: [] });
    expect(same.found).to.deep.equal({
      name: "Analysts",
      description: "",
      organizationRole: "ORGANIZATION_MEMBER",
      workspaceRoles: { [data]: "WORKSPACE_MEMBER" },
      deploymentRoles: {},
      dagRoles: [],
      members: ["kim@example.com"],
    });
    expect(writes()).to.deep.equal([]);

    const raised = await refreshAndUp(same, {
      name: "Analysts",
      organizationRole: "ORGANIZATION_OWNER",
      workspaceRoles: {},
      members: ["kim@example.com", "lee@example.com"],
    });
    expect(raised.state).to.deep.include({ organizationRole: "ORGANIZATION_OWNER", membersAdded: ["lee@example.com"] });
    await lifecycle.remove(id, raised.state);
    const [team] = teams();
    expect(team).to.deep.include({ id, name: "Analysts", organizationRole: "ORGANIZATION_MEMBER" });
    expect(team.memberIds).to.deep.equal([kim]);
    expect(team.workspaceRoles).to.deep.equal([{ workspaceId: data, role: "WORKSPACE_MEMBER" }]);
  });

  it("a member not in the organization fails the Team before anything is sent, naming the email", async () => {
    seed("ana@example.com");
    const { inputs } = await check({ name: "New", members: ["ana@example.com", "ghost@example.com"] });
    const error = await lifecycle.create({ ...inputs }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.contain('Nothing was sent for Team "New": members names ghost@example.com, not a user of organization');
    expect(writes()).to.deep.equal([]);
  });

  it("a Team the identity provider manages since: update refuses before any write, destroy leaves it with a warning", async () => {
    seed("ana@example.com");
    const state = await create({ name: "Soon IdP", members: ["ana@example.com"] });
    emulator.state.seedTeam(org, "unrelated", []);
    emulator.state.setTeamIdpManaged(state.teamId, true);
    emulator.log.length = 0;
    const error = await lifecycle.update(state.teamId, state, { ...teamInputsOf(state), members: [] }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.match(/^Nothing was sent for Team "Soon IdP": .*managed by the organization's identity provider/);
    await lifecycle.remove(state.teamId, state);
    expect(writes()).to.deep.equal([]);
    expect(teams().map((t) => t.name)).to.include("Soon IdP");
  });

  it("refresh of many Teams reads one Teams list, one members list per Team and one users walk: never a read per member or Team", async () => {
    for (let i = 0; i < 20; i++) seed(`p${i}@example.com`);
    const states: TeamState[] = [];
    for (let t = 0; t < 5; t++)
      states.push(await create({ name: `team ${t}`, members: [0, 1, 2, 3].map((k) => `p${t * 4 + k}@example.com`) }));
    await configureFor(emulator); // a new operation, as `pulumi refresh` is
    emulator.log.length = 0;
    await Promise.all(states.map((state) => lifecycle.read(state.teamId, state)));
    const operations: Record<string, number> = {};
    for (const entry of emulator.log) operations[entry.operation!] = (operations[entry.operation!] ?? 0) + 1;
    expect(operations).to.deep.equal({ listTeams: 1, listTeamMembers: 5, listUsers: 1 });
  });
});
