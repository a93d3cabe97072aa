import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { astrosWorkspaceRoles, planTeamRemoval, planTeamUpdate, TEAM_ACTION_MEANINGS } from "../../../provider/team/plan";
import type { TeamInputs, TeamState } from "../../../provider/team/schema";

const found = {
  name: "Ops",
  description: "",
  organizationRole: "ORGANIZATION_MEMBER",
  workspaceRoles: { w1: "WORKSPACE_MEMBER" },
  deploymentRoles: {},
  dagRoles: [],
  members: ["a@x.io", "b@x.io"],
};
const observed = { ...found, parentWorkspaces: [] };
const declared = (change: Partial<TeamInputs> = {}): TeamInputs => ({
  name: "Ops",
  description: "",
  organizationRole: "ORGANIZATION_MEMBER",
  workspaceRoles: { w1: "WORKSPACE_MEMBER" },
  deploymentRoles: {},
  dagRoles: [],
  members: ["a@x.io", "b@x.io"],
  organizationId: "corg",
  apiUrl: "https://api.astronomer.io/v1",
  ...change,
});
const state = (change: Partial<TeamState>): TeamState =>
  ({
    ...declared(),
    schemaVersion: 1,
    teamId: "t1",
    isIdpManaged: false,
    reportedMembers: [],
    membersWaiting: [],
    membersAdded: [],
    workspaceRolesByAstro: {},
    adopted: false,
    found: null,
    ...change,
  }) as TeamState;

describe("the Team's semantics table", () => {
  it("a declaration that matches what Astro has: no step", () => {
    expect(planTeamUpdate(observed, declared())).to.deep.equal([]);
  });

  it("a rename, a role change, a member in and one out: one step each, in that order", () => {
    const steps = planTeamUpdate(
      observed,
      declared({ name: "Operations", organizationRole: "ORGANIZATION_OWNER", members: ["a@x.io", "c@x.io"] }),
    );
    expect(steps.map((s) => [s.action, s.emails ?? s.to?.name])).to.deep.equal([
      ["rename", "Operations"],
      ["roles", "Operations"],
      ["remove-member", ["b@x.io"]],
      ["add-member", ["c@x.io"]],
    ]);
  });

  it("members not declared (null): the member list is left alone", () => {
    expect(planTeamUpdate(observed, declared({ members: null }))).to.deep.equal([]);
  });

  it("removal: a created Team is deleted; an adopted one gets back what was found, losing only the members the stack added", () => {
    expect(planTeamRemoval(state({}), observed).map((s) => s.action)).to.deep.equal(["delete"]);
    const now = { ...observed, organizationRole: "ORGANIZATION_OWNER", members: ["a@x.io", "b@x.io", "c@x.io"] };
    const adopted = state({ adopted: true, found, membersAdded: ["c@x.io", "gone@x.io"] });
    expect(planTeamRemoval(adopted, now).map((s) => [s.action, s.emails ?? s.to?.organizationRole ?? null])).to.deep.equal([
      ["restore", null],
      ["remove-member", ["c@x.io"]],
      ["roles", "ORGANIZATION_MEMBER"],
    ]);
    expect(planTeamRemoval(adopted, undefined)).to.deep.equal([]);
  });

  describe("Deployment and DAG roles, and the workspace role Astro adds for them", () => {
    const prod = "cdeploy000000000000000001";
    const w2 = "cwork0000000000000000002";
    const scoped = {
      deploymentRoles: { [prod]: "DEPLOYMENT_ADMIN" },
      dagRoles: [{ deploymentId: prod, dagTag: "finance", role: "DAG_VIEWER" }],
    };
    // Astro has the declared roles, and the WORKSPACE_ACCESSOR it added in prod's workspace w2.
    const astro = { ...found, ...scoped, workspaceRoles: { w1: "WORKSPACE_MEMBER", [w2]: "WORKSPACE_ACCESSOR" }, parentWorkspaces: [w2] };

    it("Astro's WORKSPACE_ACCESSOR in a Deployment's workspace is not drift: no step", () => {
      expect(planTeamUpdate(astro, declared(scoped))).to.deep.equal([]);
      expect(astrosWorkspaceRoles(astro, declared(scoped).workspaceRoles)).to.deep.equal({ [w2]: "WORKSPACE_ACCESSOR" });
    });

    it("the same role outside any of the Team's Deployments' workspaces is drift, taken away", () => {
      const steps = planTeamUpdate({ ...astro, parentWorkspaces: [] }, declared(scoped));
      expect(steps.map((step) => [step.action, step.to?.workspaceRoles])).to.deep.equal([["roles", { w1: "WORKSPACE_MEMBER" }]]);
    });

    it("a workspace the declaration names is the Team's own, whatever Astro added", () => {
      const named = declared({ ...scoped, workspaceRoles: { w1: "WORKSPACE_MEMBER", [w2]: "WORKSPACE_ACCESSOR" } });
      expect(planTeamUpdate(astro, named)).to.deep.equal([]);
      expect(astrosWorkspaceRoles(astro, named.workspaceRoles)).to.deep.equal({});
    });

    it("a Deployment or DAG role added, changed or dropped: one roles step with every list whole, Astro's role never sent", () => {
      for (const change of <Partial<TeamInputs>[]>[
        { deploymentRoles: {}, dagRoles: [] },
        { dagRoles: [{ deploymentId: prod, dagTag: "finance", role: "DAG_AUTHOR" }] },
        { deploymentRoles: { [prod]: "cdrole00000000000000000001" } },
      ]) {
        const steps = planTeamUpdate(astro, declared({ ...scoped, ...change }));
        expect(steps.map((step) => step.action)).to.deep.equal(["roles"]);
        expect(steps[0].to).to.deep.include({ workspaceRoles: { w1: "WORKSPACE_MEMBER" }, ...scoped, ...change });
      }
    });

    it("an adopted Team gets back the Deployment and DAG roles it was found with", () => {
      const adopted = state({ adopted: true, found });
      const steps = planTeamRemoval(adopted, astro);
      expect(steps.map((step) => step.action)).to.deep.equal(["restore", "roles"]);
      expect(steps[1].to).to.deep.include({ workspaceRoles: { w1: "WORKSPACE_MEMBER" }, deploymentRoles: {}, dagRoles: [] });
    });
  });

  it("the README's table of Team steps is the table's own list, in its order", () => {
    const readme = readFileSync(join(__dirname, "../../../README.md"), "utf8");
    const section = readme.slice(readme.indexOf("| Team step | when |"));
    const table = section.slice(0, section.indexOf("\n\n")).split("\n").slice(2);
    expect(table).to.deep.equal(Object.entries(TEAM_ACTION_MEANINGS).map(([action, meaning]) => `| \`${action}\` | ${meaning} |`));
  });
});
