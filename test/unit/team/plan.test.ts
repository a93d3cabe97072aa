import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { planTeamRemoval, planTeamUpdate, TEAM_ACTION_MEANINGS } from "../../../provider/team/plan";
import type { TeamInputs, TeamState } from "../../../provider/team/schema";

const found = {
  name: "Ops",
  description: "",
  organizationRole: "ORGANIZATION_MEMBER",
  workspaceRoles: { w1: "WORKSPACE_MEMBER" },
  members: ["a@x.io", "b@x.io"],
};
const declared = (change: Partial<TeamInputs> = {}): TeamInputs => ({
  name: "Ops",
  description: "",
  organizationRole: "ORGANIZATION_MEMBER",
  workspaceRoles: { w1: "WORKSPACE_MEMBER" },
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
    adopted: false,
    found: null,
    ...change,
  }) as TeamState;

describe("the Team's semantics table", () => {
  it("a declaration that matches what Astro has: no step", () => {
    expect(planTeamUpdate(found, declared())).to.deep.equal([]);
  });

  it("a rename, a role change, a member in and one out: one step each, in that order", () => {
    const steps = planTeamUpdate(
      found,
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
    expect(planTeamUpdate(found, declared({ members: null }))).to.deep.equal([]);
  });

  it("removal: a created Team is deleted; an adopted one gets back what was found, losing only the members the stack added", () => {
    expect(planTeamRemoval(state({}), found).map((s) => s.action)).to.deep.equal(["delete"]);
    const now = { ...found, organizationRole: "ORGANIZATION_OWNER", members: ["a@x.io", "b@x.io", "c@x.io"] };
    const adopted = state({ adopted: true, found, membersAdded: ["c@x.io", "gone@x.io"] });
    expect(planTeamRemoval(adopted, now).map((s) => [s.action, s.emails ?? s.to?.organizationRole ?? null])).to.deep.equal([
      ["restore", null],
      ["remove-member", ["c@x.io"]],
      ["roles", "ORGANIZATION_MEMBER"],
    ]);
    expect(planTeamRemoval(adopted, undefined)).to.deep.equal([]);
  });

  it("the README's table of Team steps is the table's own list, in its order", () => {
    const readme = readFileSync(join(__dirname, "../../../README.md"), "utf8");
    const section = readme.slice(readme.indexOf("| Team step | when |"));
    const table = section.slice(0, section.indexOf("\n\n")).split("\n").slice(2);
    expect(table).to.deep.equal(Object.entries(TEAM_ACTION_MEANINGS).map(([action, meaning]) => `| \`${action}\` | ${meaning} |`));
  });
});
