import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { grants, MembershipChange, membershipChanges, Preview, PreviewError, PreviewSchema } from "../../../provider/review/changes";

/**
 * The review over previews recorded from the real CLI (v3.274.1, the e2e fixture program against the
 * emulator; `__provider` left out, the emulator's URL and organization id made stable). Some cases edit a
 * recorded preview into a shape a user's stack can produce: an older state, a step the review does not know.
 */
const recorded = (name: string): Preview =>
  PreviewSchema.parse(JSON.parse(readFileSync(join(__dirname, "../../fixtures/previews", `${name}.json`), "utf8")));
// Before the recorded invites expire.
const NOW = new Date("2026-12-02T00:00:00Z");
const rows = (changes: MembershipChange[]) => changes.map((c) => [c.action, c.email, c.fromRole, c.toRole, c.unknown]);
const invite = (preview: Preview, op: string, name: string) => preview.steps!.find((s) => s.op === op && s.urn.endsWith(`::${name}`))!;

describe("review: the membership changes of recorded previews", () => {
  it("--refresh: each person's program step, never the refresh step, with what the refresh found", () => {
    const changes = membershipChanges(recorded("refresh"), NOW);
    expect(rows(changes)).to.deep.equal([
      ["change-role", "cy@example.com", "ORGANIZATION_OBSERVE_ADMIN", "ORGANIZATION_OWNER", []],
      ["change-role", "dan@example.com", "ORGANIZATION_OWNER", "ORGANIZATION_BILLING_ADMIN", []],
      ["reinvite", "ana@example.com", "ORGANIZATION_MEMBER", "ORGANIZATION_BILLING_ADMIN", []],
    ]);
    expect(changes.map((c) => c.reason)).to.deep.equal([
      "accepted since the last refresh; role changed through the roles endpoint, no new invite",
      "role changed outside the stack (ORGANIZATION_BILLING_ADMIN -> ORGANIZATION_OWNER): up restores ORGANIZATION_BILLING_ADMIN through the roles endpoint",
      "role changed while pending: the invite is revoked and sent again with the new role",
    ]);
    expect(grants(changes, "ORGANIZATION_OWNER").map((c) => c.email)).to.deep.equal(["cy@example.com"]);
    expect(grants(changes, "ORGANIZATION_BILLING_ADMIN").map((c) => c.email)).to.deep.equal(["dan@example.com", "ana@example.com"]);
  });

  it("a secret role and a role unknown until apply: listed as such, and a possible grant of any denied role", () => {
    const changes = membershipChanges(recorded("hidden-and-replace"), NOW);
    const cy = changes.find((c) => c.email === "cy@example.com")!;
    const ana = changes.find((c) => c.email === "ana@example.com")!;
    expect([cy.action, cy.toRole, cy.unknown]).to.deep.equal(["change-role", "(secret)", ["role"]]);
    expect(cy.reason).to.match(/; the role is secret$/);
    expect([ana.action, ana.toRole, ana.unknown]).to.deep.equal(["reinvite", "(unknown until apply)", ["role"]]);
    expect(ana.reason).to.match(/; the role is unknown until apply$/);
    expect(grants(changes, "ORGANIZATION_OBSERVE_ADMIN").map((c) => c.email)).to.deep.equal(["cy@example.com", "ana@example.com"]);
    expect(grants(changes, "ORGANIZATION_OWNER").map((c) => c.email)).to.deep.equal([
      "new@example.com",
      "cy@example.com",
      "ana@example.com",
    ]);
  });

  it("a replace (email changed): one move, saying what happens to the old person", () => {
    const move = membershipChanges(recorded("hidden-and-replace"), NOW).find((c) => c.action === "move")!;
    expect(move).to.deep.include({
      email: "daniel@example.com",
      fromRole: "ORGANIZATION_BILLING_ADMIN",
      toRole: "ORGANIZATION_BILLING_ADMIN",
    });
    expect(move.reason).to.equal("email dan@example.com -> daniel@example.com: the old one is demoted, a new invite is sent");
  });

  it("an apiUrl change is never 'no change': both hosts and what is sent, and a possible grant of the declared role", () => {
    const changes = membershipChanges(recorded("api-url"), NOW);
    expect(changes.map((c) => c.action)).to.deep.equal(["rehost", "rehost", "rehost"]);
    expect(changes[1].reason).to.equal(
      "API URL http://127.0.0.1:8888/v1 -> http://127.0.0.1:9999/v1: the person is looked up at http://127.0.0.1:9999/v1; absent there, they are invited as ORGANIZATION_OWNER, else given that role",
    );
    expect(grants(changes, "ORGANIZATION_OWNER").map((c) => c.email)).to.deep.equal(["cy@example.com"]);
  });

  it("pulumi destroy --preview-only --json: what destroy does to each person", () => {
    expect(rows(membershipChanges(recorded("destroy"), NOW))).to.deep.equal([
      ["revoke", "ana@example.com", "ORGANIZATION_BILLING_ADMIN", null, []],
      ["demote", "cy@example.com", "ORGANIZATION_OWNER", "ORGANIZATION_MEMBER", []],
      ["demote", "dan@example.com", "ORGANIZATION_BILLING_ADMIN", "ORGANIZATION_MEMBER", []],
    ]);
  });

  it("a member of OrganizationUserInvites is reviewed under its own name; the component itself is not a person", () => {
    const changes = membershipChanges(recorded("component"), NOW);
    expect(changes.map((c) => [c.action, c.email, c.resource])).to.deep.equal([["invite", "ada@example.com", "team-ada@example.com"]]);
  });

  it("an old state that predates fields reads through the invite's schema, with its defaults", () => {
    const preview = recorded("destroy");
    const outputs = invite(preview, "delete", "cy").oldState!.outputs!;
    for (const key of ["adopted", "schemaVersion", "inviter", "organizationName", "expiresAt"]) delete outputs[key];
    expect(rows(membershipChanges(preview, NOW))[1]).to.deep.equal([
      "demote",
      "cy@example.com",
      "ORGANIZATION_OWNER",
      "ORGANIZATION_MEMBER",
      [],
    ]);
  });

  describe("workspace roles (recorded previews edited to declare them)", () => {
    const WS = "clm8t5u4q000008jq4qoc3036";
    const workspaceRows = (changes: MembershipChange[]) =>
      changes.filter((c) => c.action === "workspace").map((c) => [c.email, c.workspaceId, c.fromRole, c.toRole, c.unknown]);

    it("a grant per workspace, beside the organization change; --deny-role WORKSPACE_OWNER counts it, organization roles do not", () => {
      const preview = recorded("hidden-and-replace");
      invite(preview, "create", "new").newState!.inputs!.workspaceRoles = { [WS]: "WORKSPACE_OWNER" };
      const changes = membershipChanges(preview, NOW);
      expect(workspaceRows(changes)).to.deep.equal([["new@example.com", WS, null, "WORKSPACE_OWNER", []]]);
      expect(changes.find((c) => c.action === "workspace")!.reason).to.equal(`workspace ${WS}: WORKSPACE_OWNER granted`);
      expect(grants(changes, "WORKSPACE_OWNER").map((c) => c.email)).to.deep.equal(["new@example.com"]);
      expect(grants(changes, "WORKSPACE_OPERATOR")).to.deep.equal([]);
      expect(grants(changes, "ORGANIZATION_OWNER").map((c) => c.action)).not.to.include("workspace");
    });

    it("workspace roles the preview hides are a possible grant of any workspace role, even with no other change", () => {
      const preview = recorded("destroy");
      const step = invite(preview, "delete", "cy");
      const update = {
        ...step,
        op: "update",
        newState: { ...step.oldState!, inputs: { ...step.oldState!.inputs, workspaceRoles: "[secret]" } },
      };
      const changes = membershipChanges({ steps: [update] }, NOW);
      expect(workspaceRows(changes)).to.deep.equal([["cy@example.com", undefined, null, null, ["workspaceRoles"]]]);
      expect(grants(changes, "WORKSPACE_ACCESSOR").map((c) => c.email)).to.deep.equal(["cy@example.com"]);
    });

    it("destroy: the stack's grant removed, and an adopted member's earlier role set back", () => {
      const preview = recorded("destroy");
      Object.assign(invite(preview, "delete", "cy").oldState!.outputs!, {
        workspaceRoles: { [WS]: "WORKSPACE_OPERATOR" },
        workspaceRolesBefore: { [WS]: "" },
      });
      expect(workspaceRows(membershipChanges(preview, NOW))).to.deep.equal([["cy@example.com", WS, "WORKSPACE_OPERATOR", null, []]]);
      Object.assign(invite(preview, "delete", "cy").oldState!.outputs!, { workspaceRolesBefore: { [WS]: "WORKSPACE_MEMBER" } });
      expect(workspaceRows(membershipChanges(preview, NOW))).to.deep.equal([
        ["cy@example.com", WS, "WORKSPACE_OPERATOR", "WORKSPACE_MEMBER", []],
      ]);
    });
  });

  describe("Deployment and DAG roles (recorded previews edited to declare them)", () => {
    const DEP = "cdeploy000000000000000001";
    const CUSTOM = "crole0000000000000000001a";
    const scopedRows = (changes: MembershipChange[]) =>
      changes
        .filter((c) => c.action === "deployment" || c.action === "dag")
        .map((c) => [c.action, c.email, c.deploymentId, c.dag, c.fromRole, c.toRole, c.unknown]);

    it("a row per Deployment and per DAG or tag; --deny-role DEPLOYMENT_ADMIN, DAG_AUTHOR and a custom role's id count theirs only", () => {
      const preview = recorded("hidden-and-replace");
      Object.assign(invite(preview, "create", "new").newState!.inputs!, {
        deploymentRoles: { [DEP]: "DEPLOYMENT_ADMIN" },
        dagRoles: [
          { deploymentId: DEP, dagTag: "finance", role: "DAG_AUTHOR" },
          { deploymentId: DEP, dagId: "nightly", role: CUSTOM },
        ],
      });
      const changes = membershipChanges(preview, NOW);
      expect(scopedRows(changes)).to.deep.equal([
        ["deployment", "new@example.com", DEP, undefined, null, "DEPLOYMENT_ADMIN", []],
        ["dag", "new@example.com", DEP, "tag:finance", null, "DAG_AUTHOR", []],
        ["dag", "new@example.com", DEP, "dag:nightly", null, CUSTOM, []],
      ]);
      expect(changes.find((c) => c.action === "deployment")!.reason).to.equal(`Deployment ${DEP}: DEPLOYMENT_ADMIN granted`);
      expect(grants(changes, "DEPLOYMENT_ADMIN").map((c) => c.action)).to.deep.equal(["deployment"]);
      expect(grants(changes, "DAG_AUTHOR").map((c) => c.dag)).to.deep.equal(["tag:finance"]);
      expect(grants(changes, CUSTOM).map((c) => c.dag)).to.deep.equal(["dag:nightly"]);
      expect(grants(changes, "DAG_VIEWER")).to.deep.equal([]);
      expect(grants(changes, "WORKSPACE_OWNER").map((c) => c.action)).not.to.include("deployment");
    });

    it("Deployment or DAG roles the preview hides are a possible grant of any role of theirs", () => {
      const preview = recorded("destroy");
      const step = invite(preview, "delete", "cy");
      const update = {
        ...step,
        op: "update",
        newState: {
          ...step.oldState!,
          inputs: { ...step.oldState!.inputs, dagRoles: [{ deploymentId: DEP, dagTag: "[secret]", role: "DAG_VIEWER" }] },
        },
      };
      const changes = membershipChanges({ steps: [update] }, NOW);
      expect(scopedRows(changes)).to.deep.equal([["dag", "cy@example.com", undefined, undefined, null, null, ["dagRoles"]]]);
      expect(grants(changes, "DAG_AUTHOR").map((c) => c.email)).to.deep.equal(["cy@example.com"]);
      expect(grants(changes, "DEPLOYMENT_ADMIN")).to.deep.equal([]);
    });

    it("destroy: the stack's Deployment grant removed, an earlier DAG role set back", () => {
      const preview = recorded("destroy");
      Object.assign(invite(preview, "delete", "cy").oldState!.outputs!, {
        deploymentRoles: { [DEP]: "DEPLOYMENT_ADMIN" },
        deploymentRolesBefore: { [DEP]: "" },
        dagRoles: [{ deploymentId: DEP, dagTag: "finance", role: "DAG_AUTHOR" }],
        dagRolesBefore: { [`${DEP}/tag:finance`]: "DAG_VIEWER" },
      });
      expect(scopedRows(membershipChanges(preview, NOW))).to.deep.equal([
        ["deployment", "cy@example.com", DEP, undefined, "DEPLOYMENT_ADMIN", null, []],
        ["dag", "cy@example.com", DEP, "tag:finance", "DAG_AUTHOR", "DAG_VIEWER", []],
      ]);
    });
  });

  describe("what the review cannot read is an error naming it, never a pass", () => {
    const fails = (preview: Preview, message: RegExp) => expect(() => membershipChanges(preview, NOW)).to.throw(PreviewError, message);

    it("an update without oldState", () => {
      const preview = recorded("refresh");
      delete invite(preview, "update", "cy").oldState;
      fails(preview, /::cy: an update without "oldState": the preview does not say what the step starts from$/);
    });

    it("a step the review does not know", () => {
      const preview = recorded("destroy");
      invite(preview, "delete", "cy").op = "import";
      fails(preview, /::cy: the review does not know the step "import"$/);
    });

    it("a state written by a newer version of the package", () => {
      const preview = recorded("destroy");
      invite(preview, "delete", "ana").oldState!.outputs!.schemaVersion = 9;
      fails(preview, /::ana: .*written by a newer pulumi-astro-invites/);
    });

    it("a declared role that is not a string", () => {
      const preview = recorded("component");
      invite(preview, "create", "team-ada@example.com").newState!.inputs!.role = 3;
      fails(preview, /the declared role is not a string in the preview$/);
    });
  });
});
