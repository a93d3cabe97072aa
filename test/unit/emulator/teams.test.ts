import { expect } from "chai";
import {
  ErrorBodySchema,
  OrganizationSchema,
  TeamMembersPageSchema,
  TeamSchema,
  TeamsPageSchema,
  UserSchema,
} from "../../../provider/api/schemas";
import { Emulator, startEmulator } from "../../../provider/emulator/server";
import { call } from "../../support/http";

/**
 * The emulator's Teams API, over plain HTTP: what the reference says of it, and a switch for each thing
 * it does not say (a pending invitee joining a Team; how an IdP-managed Team refuses writes).
 */
describe("emulator: Teams", () => {
  let emulator: Emulator;
  let org: string;
  let jane: string;
  let joe: string;
  let ops: string;
  beforeEach(async () => {
    emulator = await startEmulator({ rateLimits: false });
    org = emulator.organizationId;
    jane = emulator.state.seedMember(org, "jane@example.com", "ORGANIZATION_MEMBER");
    joe = emulator.state.seedMember(org, "joe@example.com", "ORGANIZATION_MEMBER");
    ops = emulator.state.createWorkspace(org, "Ops").id;
  });
  afterEach(() => emulator.stop());

  const teams = (path = "") => call(emulator, "GET", `/organizations/${org}/teams${path}`);
  const create = (body: unknown) => call(emulator, "POST", `/organizations/${org}/teams`, { body });
  const created = async (body: Record<string, unknown>) => TeamSchema.parse((await create(body)).body);
  const members = async (teamId: string) =>
    TeamMembersPageSchema.parse((await call(emulator, "GET", `/organizations/${org}/teams/${teamId}/members?limit=1000`)).body).teamMembers;
  const fields = (response: { body: unknown }) => (ErrorBodySchema.parse(response.body).fieldErrors ?? []).map((e) => e.field);
  const messageOf = (response: { body: unknown }) => ErrorBodySchema.parse(response.body).message;

  it("creates, lists by exact name a page at a time, reads, renames and deletes a Team", async () => {
    const team = await created({
      name: "platform",
      description: "Platform engineers",
      organizationRole: "ORGANIZATION_OWNER",
      memberIds: [jane],
    });
    expect(team).to.include({
      name: "platform",
      description: "Platform engineers",
      organizationRole: "ORGANIZATION_OWNER",
      isIdpManaged: false,
    });
    const read = (await call(emulator, "GET", `/organizations/${org}/teams/${team.id}`)).body as Record<string, unknown>;
    expect(read).to.not.have.property("memberIds");
    expect(read).to.not.have.property("members");
    await created({ name: "analysts" });
    // Names are not known to be unique: a second "platform" is allowed, and the filter finds both.
    const twin = await created({ name: "platform" });
    const both = TeamsPageSchema.parse((await teams("?names=platform")).body);
    expect([both.totalCount, both.teams.map((t) => t.id)]).to.deep.equal([2, [team.id, twin.id]]);
    const page = TeamsPageSchema.parse((await teams("?limit=1&offset=1")).body);
    expect([page.totalCount, page.teams.map((t) => t.id)]).to.deep.equal([3, [team.id]]);
    expect(TeamsPageSchema.parse((await teams("?names=platform&names=analysts")).body).totalCount).to.equal(3);

    const renamed = await call(emulator, "POST", `/organizations/${org}/teams/${team.id}`, { body: { name: "platform-eng" } });
    expect(TeamSchema.parse(renamed.body)).to.include({ name: "platform-eng", description: "Platform engineers" });
    const unnamed = await call(emulator, "POST", `/organizations/${org}/teams/${team.id}`, { body: { description: "x" } });
    expect([unnamed.status, fields(unnamed)]).to.deep.equal([400, ["name"]]);

    expect((await call(emulator, "DELETE", `/organizations/${org}/teams/${team.id}`)).status).to.equal(204);
    expect((await call(emulator, "DELETE", `/organizations/${org}/teams/${team.id}`)).status).to.equal(404);
    expect((await call(emulator, "GET", `/organizations/${org}/teams/${team.id}`)).status).to.equal(404);
  });

  it("refuses a create without a name, with an unknown role or field, or with unknown or repeated members", async () => {
    const cases: [unknown, string[]][] = [
      [{ description: "no name" }, ["name"]],
      [{ name: "t", organizationRole: "ORGANIZATION_GOD" }, ["organizationRole"]],
      [{ name: "t", members: ["jane@example.com"] }, ["members"]],
      [{ name: "t", memberIds: [jane, "cnotamember00000000000000"] }, ["memberIds[1]"]],
      [{ name: "t", memberIds: [jane, jane] }, ["memberIds[1]"]],
    ];
    for (const [body, expected] of cases) {
      const response = await create(body);
      expect([response.status, fields(response)], JSON.stringify(body)).to.deep.equal([400, expected]);
    }
    expect(TeamsPageSchema.parse((await teams()).body).totalCount).to.equal(0);
  });

  it("members: listed by email, added by user id, removed one at a time; a pending invitee only by the switch", async () => {
    const team = await created({ name: "platform", memberIds: [joe] });
    expect(
      (await call(emulator, "POST", `/organizations/${org}/teams/${team.id}/members`, { body: { memberIds: [jane, joe] } })).status,
    ).to.equal(204);
    expect((await members(team.id)).map((m) => [m.username, m.userId])).to.deep.equal([
      ["jane@example.com", jane],
      ["joe@example.com", joe],
    ]);
    const unknown = await call(emulator, "POST", `/organizations/${org}/teams/${team.id}/members`, {
      body: { memberIds: ["cnobody0000000000000000000"] },
    });
    expect([unknown.status, fields(unknown)]).to.deep.equal([400, ["memberIds[0]"]]);

    const pending = emulator.state.seedMember(org, "new@example.com", "ORGANIZATION_MEMBER", "PENDING");
    const refused = await call(emulator, "POST", `/organizations/${org}/teams/${team.id}/members`, { body: { memberIds: [pending] } });
    expect([refused.status, fields(refused)]).to.deep.equal([400, ["memberIds[0]"]]);
    emulator.state.switches.pendingTeamMembers = "accept";
    expect(
      (await call(emulator, "POST", `/organizations/${org}/teams/${team.id}/members`, { body: { memberIds: [pending] } })).status,
    ).to.equal(204);

    expect((await call(emulator, "DELETE", `/organizations/${org}/teams/${team.id}/members/${joe}`)).status).to.equal(204);
    expect((await call(emulator, "DELETE", `/organizations/${org}/teams/${team.id}/members/${joe}`)).status).to.equal(404);
    expect((await members(team.id)).map((m) => m.username)).to.deep.equal(["jane@example.com", "new@example.com"]);
  });

  it("roles: the organization role is required, a list sent replaces the Team's, one omitted is kept, workspaces are checked", async () => {
    const team = await created({ name: "platform", memberIds: [jane] });
    emulator.state.switches.teamGrantsInUserRead = true;
    const roles = (body: unknown) => call(emulator, "POST", `/organizations/${org}/teams/${team.id}/roles`, { body });
    const deployment = [{ deploymentId: emulator.state.createDeployment(org, ops, "etl").id, role: "DEPLOYMENT_ADMIN" }];
    expect((await roles({ organizationRole: "ORGANIZATION_MEMBER", deploymentRoles: deployment })).status).to.equal(200);
    const set = await roles({
      organizationRole: "ORGANIZATION_BILLING_ADMIN",
      workspaceRoles: [{ workspaceId: ops, role: "WORKSPACE_OWNER" }],
    });
    expect(set.body).to.deep.equal({
      organizationRole: "ORGANIZATION_BILLING_ADMIN",
      workspaceRoles: [{ workspaceId: ops, role: "WORKSPACE_OWNER" }],
      deploymentRoles: deployment,
      dagRoles: [],
    });
    const missing = await roles({ workspaceRoles: [] });
    expect([missing.status, fields(missing)]).to.deep.equal([400, ["organizationRole"]]);
    const unknown = await roles({
      organizationRole: "ORGANIZATION_MEMBER",
      workspaceRoles: [{ workspaceId: "cnowhere00000000000000000", role: "WORKSPACE_MEMBER" }],
    });
    expect([unknown.status, fields(unknown)]).to.deep.equal([400, ["workspaceRoles[0].workspaceId"]]);

    // A member holds the Team's grants: in a read by id (by the switch) and in their Teams.
    const user = UserSchema.parse((await call(emulator, "GET", `/organizations/${org}/users/${jane}`)).body);
    expect(user.workspaceRoles).to.deep.equal([{ workspaceId: ops, role: "WORKSPACE_OWNER" }]);
    expect(emulator.state.directRoles(org, jane).workspaceRoles).to.deep.equal([]);
    const theirs = TeamsPageSchema.parse((await call(emulator, "GET", `/organizations/${org}/users/${jane}/teams`)).body).teams;
    expect(theirs.map((t) => [t.name, t.organizationRole, t.isIdpManaged])).to.deep.equal([
      ["platform", "ORGANIZATION_BILLING_ADMIN", false],
    ]);
  });

  it("a Team the identity provider manages is read like any other and refuses every write (403, or 400 by the switch)", async () => {
    const idp = emulator.state.seedTeam(org, "okta-admins", [jane], { organizationRole: "ORGANIZATION_OWNER", isIdpManaged: true });
    expect(TeamSchema.parse((await call(emulator, "GET", `/organizations/${org}/teams/${idp}`)).body)).to.include({ isIdpManaged: true });
    expect((await members(idp)).map((m) => m.userId)).to.deep.equal([jane]);
    const writes = () => [
      call(emulator, "POST", `/organizations/${org}/teams/${idp}`, { body: { name: "mine" } }),
      call(emulator, "POST", `/organizations/${org}/teams/${idp}/members`, { body: { memberIds: [joe] } }),
      call(emulator, "DELETE", `/organizations/${org}/teams/${idp}/members/${jane}`),
      call(emulator, "POST", `/organizations/${org}/teams/${idp}/roles`, { body: { organizationRole: "ORGANIZATION_MEMBER" } }),
      call(emulator, "DELETE", `/organizations/${org}/teams/${idp}`),
    ];
    for (const response of await Promise.all(writes())) {
      expect(response.status).to.equal(403);
      expect(messageOf(response)).to.contain("managed by the organization's identity provider");
    }
    emulator.state.switches.idpManagedTeamWrites = "400";
    expect((await Promise.all(writes())).map((r) => r.status)).to.deep.equal([400, 400, 400, 400, 400]);
    expect(TeamSchema.parse((await call(emulator, "GET", `/organizations/${org}/teams/${idp}`)).body)).to.include({
      name: "okta-admins",
      organizationRole: "ORGANIZATION_OWNER",
    });
  });

  it("with SCIM on, the organization says so and every Team write is refused; reads still answer", async () => {
    const team = await created({ name: "platform" });
    expect(OrganizationSchema.parse((await call(emulator, "GET", `/organizations/${org}`)).body)).to.include({ isScimEnabled: false });
    expect((await call(emulator, "PUT", `/_emulator/organizations/${org}/scim`, { body: { enabled: true } })).status).to.equal(204);
    expect(OrganizationSchema.parse((await call(emulator, "GET", `/organizations/${org}`)).body)).to.include({ isScimEnabled: true });
    const refused = await Promise.all([
      create({ name: "another" }),
      call(emulator, "POST", `/organizations/${org}/teams/${team.id}`, { body: { name: "renamed" } }),
      call(emulator, "POST", `/organizations/${org}/teams/${team.id}/members`, { body: { memberIds: [jane] } }),
      call(emulator, "POST", `/organizations/${org}/teams/${team.id}/roles`, { body: { organizationRole: "ORGANIZATION_OWNER" } }),
      call(emulator, "DELETE", `/organizations/${org}/teams/${team.id}`),
    ]);
    for (const response of refused) {
      expect(response.status).to.equal(400);
      expect(messageOf(response)).to.equal("Cannot create, update or delete a Team resource when SCIM is enabled");
    }
    expect(TeamsPageSchema.parse((await teams()).body).teams.map((t) => t.name)).to.deep.equal(["platform"]);
    expect(await members(team.id)).to.deep.equal([]);
  });

  it("test controls: a Team made outside the API, a member added outside it", async () => {
    const seeded = await call(emulator, "POST", `/_emulator/organizations/${org}/teams`, {
      body: { name: "ui-made", memberIds: [jane], organizationRole: "ORGANIZATION_OWNER" },
    });
    const { teamId } = seeded.body as { teamId: string };
    expect((await call(emulator, "POST", `/_emulator/teams/${teamId}/members`, { body: { userId: joe } })).status).to.equal(204);
    expect((await members(teamId)).map((m) => m.userId)).to.deep.equal([jane, joe]);
    expect(emulator.organization().teams.map((t) => [t.name, t.organizationRole, t.memberIds])).to.deep.equal([
      ["ui-made", "ORGANIZATION_OWNER", [jane, joe]],
    ]);
  });
});
