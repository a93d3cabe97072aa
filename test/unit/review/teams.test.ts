import { expect } from "chai";
import { UNKNOWN } from "../../../provider/invite/schema";
import { membershipChanges } from "../../../provider/review/changes";
import { joinGrants, teamChanges, teamGrants, teamRolesByName } from "../../../provider/review/teams";
import { INVITE_TYPE } from "../../../provider/invite/resource-type";
import { TEAM_TYPE } from "../../../provider/team/resource-type";

const URN = `urn:pulumi:dev::p::${TEAM_TYPE}::ops`;
const base = {
  name: "Ops",
  description: "",
  organizationRole: "ORGANIZATION_MEMBER",
  workspaceRoles: {},
  organizationId: "corg",
  apiUrl: "https://api.astronomer.io/v1",
};
const stored = (members: string[], change: Record<string, unknown> = {}) => ({
  type: TEAM_TYPE,
  inputs: { ...base, members },
  outputs: {
    ...base,
    members,
    teamId: "t1",
    reportedMembers: members.map((email, i) => ({ email, userId: `u${i}`, status: "ACTIVE" })),
    ...change,
  },
});
const preview = (op: string, oldState: ReturnType<typeof stored> | undefined, inputs?: Record<string, unknown>) => ({
  steps: [
    {
      op,
      urn: URN,
      ...(oldState ? { oldState } : {}),
      ...(inputs ? { newState: { type: TEAM_TYPE, inputs: { ...base, ...inputs } } } : {}),
    },
  ],
});
const twelve = Array.from({ length: 12 }, (_, i) => `m${String(i).padStart(2, "0")}@example.com`);

describe("review: Team rows, and who gains which role through them", () => {
  it("a Team raised to Owner with 12 members: 12 possible grants of ORGANIZATION_OWNER", () => {
    const changes = teamChanges(preview("update", stored(twelve), { organizationRole: "ORGANIZATION_OWNER", members: twelve }));
    expect(changes.map((c) => [c.action, c.reason])).to.deep.equal([["roles", "roles ORGANIZATION_MEMBER -> ORGANIZATION_OWNER"]]);
    expect(teamGrants(changes, "ORGANIZATION_OWNER")).to.have.length(12);
    expect(teamGrants(changes, "WORKSPACE_OWNER")).to.deep.equal([]);
  });

  it("a new member of an Owner Team gains it; the members already in it do not count again", () => {
    const owners = stored(["a@example.com"], { organizationRole: "ORGANIZATION_OWNER" });
    const changes = teamChanges(
      preview("update", owners, { organizationRole: "ORGANIZATION_OWNER", members: ["a@example.com", "b@example.com"] }),
    );
    expect(teamGrants(changes, "ORGANIZATION_OWNER")).to.deep.equal(["b@example.com (through Team Ops: add-member)"]);
  });

  it("a workspace role through a Team, and members the preview does not show: fail closed", () => {
    const changes = teamChanges(
      preview("create", undefined, { workspaceRoles: { w1: "WORKSPACE_OWNER" }, members: ["a@example.com", UNKNOWN] }),
    );
    expect(changes[0]).to.deep.include({ action: "create", unknown: ["members"] });
    expect(teamGrants(changes, "WORKSPACE_OWNER")).to.deep.equal([
      "a@example.com (through Team Ops: create)",
      "Team Ops (create, members not shown: possibly WORKSPACE_OWNER)",
    ]);
  });

  it("an organization role the preview does not show counts as the denied one", () => {
    const changes = teamChanges(preview("create", undefined, { organizationRole: "[secret]", members: ["a@example.com"] }));
    expect(teamGrants(changes, "ORGANIZATION_OWNER")).to.deep.equal([
      "a@example.com (through Team Ops: create, a role not shown, so possibly ORGANIZATION_OWNER)",
    ]);
  });

  it("destroy of an adopted Team the stack lowered gives the role found back to the members who stay", () => {
    const found = { name: "Ops", description: "", organizationRole: "ORGANIZATION_OWNER", workspaceRoles: {}, members: ["a@example.com"] };
    const adopted = stored(["a@example.com", "b@example.com"], { adopted: true, found, membersAdded: ["b@example.com"] });
    const changes = teamChanges(preview("delete", adopted));
    expect(changes.map((c) => c.action)).to.deep.equal(["restore", "remove-member", "roles"]);
    expect(teamGrants(changes, "ORGANIZATION_OWNER")).to.deep.equal(["a@example.com (through Team Ops: roles)"]);
    expect(teamChanges(preview("delete", stored(["a@example.com"])))[0]).to.deep.include({ action: "delete", gains: [] });
  });

  it("Deployment and DAG roles through a Team: each member gains them, Astro's WORKSPACE_ACCESSOR is no grant, hidden ones fail closed", () => {
    const prod = "cdeploy000000000000000001";
    const etl = stored(["a@example.com"], {
      deploymentRoles: { [prod]: "DEPLOYMENT_ADMIN" },
      workspaceRolesByAstro: { w9: "WORKSPACE_ACCESSOR" },
    });
    const dag = { deploymentId: prod, dagTag: "finance", role: "DAG_AUTHOR" };
    const same = { deploymentRoles: { [prod]: "DEPLOYMENT_ADMIN" }, members: ["a@example.com", "b@example.com"] };
    const changes = teamChanges(preview("update", etl, { ...same, dagRoles: [dag] }));
    expect(changes.map((c) => [c.action, c.reason])).to.deep.equal([
      [
        "roles",
        `roles ORGANIZATION_MEMBER, DEPLOYMENT_ADMIN in ${prod} -> ORGANIZATION_MEMBER, DEPLOYMENT_ADMIN in ${prod}, DAG_AUTHOR in ${prod}/tag:finance`,
      ],
      ["add-member", "joins: b@example.com"],
    ]);
    expect(teamGrants(changes, "DAG_AUTHOR")).to.deep.equal([
      "a@example.com (through Team Ops: roles)",
      "b@example.com (through Team Ops: add-member)",
    ]);
    expect(teamGrants(changes, "DEPLOYMENT_ADMIN")).to.deep.equal(["b@example.com (through Team Ops: add-member)"]);
    expect(teamGrants(changes, "WORKSPACE_ACCESSOR")).to.deep.equal([]);
    expect(teamChanges(preview("update", etl, same)).map((c) => c.action)).to.deep.equal(["add-member"]);

    const hidden = teamChanges(preview("create", undefined, { dagRoles: [{ ...dag, role: UNKNOWN }], members: ["a@example.com"] }));
    expect(hidden[0].unknown).to.deep.equal(["dagRoles"]);
    expect(teamGrants(hidden, "DAG_VIEWER")).to.deep.equal([
      "a@example.com (through Team Ops: create, a role not shown, so possibly DAG_VIEWER)",
    ]);
    expect(teamGrants(hidden, "cdagrole00000000000000001")).to.have.length(1);
    expect(teamGrants(hidden, "WORKSPACE_OWNER")).to.deep.equal([]);
  });

  it("a person joining a Team by name: what that Team grants when the preview declares it, else possibly any role", () => {
    const inviteUrn = `urn:pulumi:dev::p::${INVITE_TYPE}::ana`;
    const invite = {
      op: "create",
      urn: inviteUrn,
      newState: {
        type: INVITE_TYPE,
        inputs: { email: "ana@example.com", role: "ORGANIZATION_MEMBER", organizationId: "corg", apiUrl: base.apiUrl, teams: ["Ops"] },
      },
    };
    const owners = { op: "same", urn: URN, newState: { type: TEAM_TYPE, inputs: { ...base, organizationRole: "ORGANIZATION_OWNER" } } };
    const both = { steps: [invite, owners] };
    const changes = membershipChanges(both);
    expect(changes.map((c) => [c.action, c.toRole])).to.deep.equal([
      ["invite", "ORGANIZATION_MEMBER"],
      ["team", "Ops"],
    ]);
    expect(changes[1].reason).to.equal("joins Team Ops (unless they are in it already)");
    expect(joinGrants(changes, teamRolesByName(both), "ORGANIZATION_OWNER")).to.deep.equal(["ana@example.com (joins Team Ops)"]);
    expect(joinGrants(changes, teamRolesByName(both), "WORKSPACE_OWNER")).to.deep.equal([]);
    const alone = { steps: [invite] };
    expect(joinGrants(membershipChanges(alone), teamRolesByName(alone), "WORKSPACE_OWNER")).to.deep.equal([
      "ana@example.com (joins Team Ops, declared elsewhere: possibly WORKSPACE_OWNER)",
    ]);
  });
});
