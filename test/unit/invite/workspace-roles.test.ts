import { expect } from "chai";
import * as lifecycle from "../../../provider/invite/lifecycle";
import { inputsOf, InviteState } from "../../../provider/invite/schema";
import { Emulator, startEmulator } from "../../../provider/emulator/server";
import type { WorkspaceRole } from "../../../provider/roles";
import { configureFor, createInvite, inviteSteps, warningsOf } from "../../support/lifecycle";

const MEMBER = "ORGANIZATION_MEMBER";

/**
 * Workspace roles declared with the person, against the emulator: applied at invite or after acceptance
 * (both possibilities of the API), only the person's own grants touched, drift restored, removal and
 * destroy setting back what the stack granted, refresh at list cost.
 */
describe("lifecycle: workspace roles", () => {
  let emulator: Emulator;
  let org: string;
  let data: string;
  let ml: string;
  let ops: string;
  beforeEach(async () => {
    emulator = await startEmulator({ rateLimits: false });
    org = emulator.organizationId;
    data = emulator.state.createWorkspace(org, "Data Eng").id;
    ml = emulator.state.createWorkspace(org, "ML").id;
    ops = emulator.state.createWorkspace(org, "Ops").id;
    await configureFor(emulator);
  });
  afterEach(() => emulator.stop());

  const userId = (email: string) => emulator.organization().users.find((u) => u.username === email)!.id;
  const own = (email: string) =>
    Object.fromEntries(emulator.state.directRoles(org, userId(email)).workspaceRoles.map((e) => [e.workspaceId, e.role]));
  const writes = () => emulator.log.filter((e) => e.method !== "GET").map((e) => e.operation);
  const { update, refresh, destroy } = inviteSteps(() => emulator);
  const diff = (id: string, outs: InviteState, declared: Record<string, string>) =>
    lifecycle.diff(id, { ...outs }, { ...inputsOf(outs), workspaceRoles: declared });

  it("Astro refuses them while pending: recorded as waiting, no update until acceptance, then the next up applies them", async () => {
    const declared: Record<string, WorkspaceRole> = { [data]: "WORKSPACE_OPERATOR", [ml]: "WORKSPACE_MEMBER" };
    const { id, outs } = await createInvite(emulator, { email: "jane@example.com", workspaceRoles: declared });
    expect(outs).to.deep.include({ status: "PENDING", workspaceRoles: {}, workspaceRolesDeferred: true });
    expect(outs.workspaceRolesBefore).to.deep.equal({ [data]: "", [ml]: "" });
    expect((await diff(id, outs, declared)).changes).to.equal(false);

    emulator.state.acceptInviteOf(org, "jane@example.com");
    const refreshed = await refresh(id, outs);
    expect(refreshed).to.include({ status: "ACTIVE" });
    expect((await diff(id, refreshed, declared)).changes).to.equal(true);
    const applied = await update(id, refreshed, { workspaceRoles: declared });
    expect(applied).to.deep.include({ workspaceRoles: declared, workspaceRolesDeferred: false });
    expect(own("jane@example.com")).to.deep.equal(declared);
  });

  it("Astro takes them for a pending user: set right after the invite", async () => {
    emulator.state.switches.workspaceRolesForPending = "accept";
    const declared: Record<string, WorkspaceRole> = { [data]: "WORKSPACE_AUTHOR" };
    const { outs } = await createInvite(emulator, { email: "jane@example.com", workspaceRoles: declared });
    expect(outs).to.deep.include({ workspaceRoles: declared, workspaceRolesDeferred: false });
    expect(own("jane@example.com")).to.deep.equal(declared);
    expect(writes()).to.deep.equal(["createInvite", "updateRoles"]);
  });

  it("an unknown workspace: nothing is sent, and the error names the field and the organization's workspaces", async () => {
    const failure = await createInvite(emulator, {
      email: "jane@example.com",
      workspaceRoles: { cnowhere00000000000000000: "WORKSPACE_MEMBER" },
    }).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(failure)
      .to.contain("Nothing was sent for jane@example.com: workspaceRoles names cnowhere00000000000000000")
      .and.contain(`${data} (Data Eng)`);
    expect(writes()).to.deep.equal([]);
  });

  it("a bad workspace id or role is a check failure naming the field", async () => {
    const { failures } = await lifecycle.check(
      {},
      { email: "a@example.com", organizationId: org, workspaceRoles: { "not-an-id": "WORKSPACE_ADMIN" } },
    );
    expect(failures.map((f) => [f.property, f.reason])).to.deep.equal([
      [
        "workspaceRoles",
        'workspaceRoles: "not-an-id" is not an Astro workspace id (25 lowercase letters and digits starting with "c", such as clm8t5u4q000008jq4qoc3036)',
      ],
      [
        "workspaceRoles",
        'workspaceRoles.not-an-id must be one of [WORKSPACE_OWNER, WORKSPACE_OPERATOR, WORKSPACE_AUTHOR, WORKSPACE_MEMBER, WORKSPACE_ACCESSOR], got "WORKSPACE_ADMIN"',
      ],
    ]);
  });

  describe("an accepted member with a Team's grant and a role of their own the stack never declared", () => {
    let id: string;
    let outs: InviteState;
    let jane: string;
    beforeEach(async () => {
      jane = emulator.state.seedMember(org, "jane@example.com", MEMBER);
      emulator.state.grantDirectRoles(org, jane, { workspaceRoles: [{ workspaceId: ops, role: "WORKSPACE_ACCESSOR" }] });
      emulator.state.seedTeam(org, "analysts", [jane], { workspaceRoles: [{ workspaceId: ml, role: "WORKSPACE_MEMBER" }] });
      ({ id, outs } = await createInvite(emulator, { email: "jane@example.com", workspaceRoles: { [data]: "WORKSPACE_OPERATOR" } }));
    });

    it("adopted: the declared role is granted; the Team's grant is not made their own; the undeclared role is kept", async () => {
      expect(outs).to.deep.include({
        adopted: true,
        workspaceRoles: { [data]: "WORKSPACE_OPERATOR" },
        workspaceRolesBefore: { [data]: "" },
      });
      expect(own("jane@example.com")).to.deep.equal({ [ops]: "WORKSPACE_ACCESSOR", [data]: "WORKSPACE_OPERATOR" });
      // An organization role change sends only the organization role: the lists are untouched.
      const raised = await update(id, outs, { role: "ORGANIZATION_OWNER" });
      expect(raised.role).to.equal("ORGANIZATION_OWNER");
      expect(own("jane@example.com")).to.deep.equal({ [ops]: "WORKSPACE_ACCESSOR", [data]: "WORKSPACE_OPERATOR" });
    });

    it("a role changed in the UI shows on refresh and up restores it; a workspace removed from the map loses only that role", async () => {
      emulator.state.grantDirectRoles(org, jane, {
        workspaceRoles: [
          { workspaceId: ops, role: "WORKSPACE_ACCESSOR" },
          { workspaceId: data, role: "WORKSPACE_MEMBER" },
        ],
      });
      const refreshed = await refresh(id, outs);
      expect(refreshed.workspaceRoles).to.deep.equal({ [data]: "WORKSPACE_MEMBER" });
      const restored = await update(id, refreshed, { workspaceRoles: { [data]: "WORKSPACE_OPERATOR", [ml]: "WORKSPACE_AUTHOR" } });
      expect(own("jane@example.com")).to.deep.equal({
        [ops]: "WORKSPACE_ACCESSOR",
        [data]: "WORKSPACE_OPERATOR",
        [ml]: "WORKSPACE_AUTHOR",
      });
      expect(restored.workspaceRolesBefore).to.deep.equal({ [data]: "", [ml]: "" });

      const dropped = await update(id, restored, { workspaceRoles: { [ml]: "WORKSPACE_AUTHOR" } });
      expect(own("jane@example.com")).to.deep.equal({ [ops]: "WORKSPACE_ACCESSOR", [ml]: "WORKSPACE_AUTHOR" });
      expect(dropped).to.deep.include({ workspaceRoles: { [ml]: "WORKSPACE_AUTHOR" }, workspaceRolesBefore: { [ml]: "" } });
    });

    it("destroy removes what the stack granted; the Team's grant and the undeclared role stay", async () => {
      await destroy(id, outs);
      expect(own("jane@example.com")).to.deep.equal({ [ops]: "WORKSPACE_ACCESSOR" });
      expect(emulator.state.directRoles(org, jane).workspaceRoles).to.deep.equal([{ workspaceId: ops, role: "WORKSPACE_ACCESSOR" }]);
    });

    it("destroy leaves a role changed outside the stack since, and says so", async () => {
      emulator.state.grantDirectRoles(org, jane, { workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_OWNER" }] });
      const warnings = await warningsOf(() => destroy(id, outs));
      expect(own("jane@example.com")).to.deep.equal({ [data]: "WORKSPACE_OWNER" });
      expect(warnings.join("\n")).to.contain(
        `the role in workspace ${data} was changed outside the stack since (now WORKSPACE_OWNER): left alone`,
      );
    });
  });

  it("an adopted member keeps the workspace role they had before: destroy sets it back", async () => {
    const jane = emulator.state.seedMember(org, "jane@example.com", MEMBER);
    emulator.state.grantDirectRoles(org, jane, { workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_MEMBER" }] });
    const { id, outs } = await createInvite(emulator, { email: "jane@example.com", workspaceRoles: { [data]: "WORKSPACE_OWNER" } });
    expect(outs.workspaceRolesBefore).to.deep.equal({ [data]: "WORKSPACE_MEMBER" });
    expect(own("jane@example.com")).to.deep.equal({ [data]: "WORKSPACE_OWNER" });
    await destroy(id, outs);
    expect(own("jane@example.com")).to.deep.equal({ [data]: "WORKSPACE_MEMBER" });
  });

  it('onDelete "keep" leaves the workspace roles too', async () => {
    emulator.state.seedMember(org, "jane@example.com", MEMBER);
    const { id, outs } = await createInvite(emulator, {
      email: "jane@example.com",
      onDelete: "keep",
      workspaceRoles: { [data]: "WORKSPACE_AUTHOR" },
    });
    await destroy(id, outs);
    expect(own("jane@example.com")).to.deep.equal({ [data]: "WORKSPACE_AUTHOR" });
  });

  it("a refresh of many people reads each declared workspace's users list, not each person", async () => {
    emulator.state.switches.workspaceRolesForPending = "accept";
    const created: { id: string; outs: InviteState }[] = [];
    for (let i = 0; i < 30; i++) {
      created.push(
        await createInvite(emulator, {
          email: `p${i}@example.com`,
          workspaceRoles: { [data]: "WORKSPACE_MEMBER", [ml]: "WORKSPACE_MEMBER" },
        }),
      );
    }
    await configureFor(emulator);
    emulator.log.length = 0;
    const read = await Promise.all(created.map(({ id, outs }) => lifecycle.read(id, { ...outs })));
    expect(read.every((r) => r.props!.workspaceRoles[data] === "WORKSPACE_MEMBER")).to.equal(true);
    const operations = emulator.log.map((e) => e.path.replace(/\/v1\/organizations\/[^/]+/, "").replace(/offset=\d+&limit=\d+/, ""));
    expect(operations.filter((path) => path.includes("workspaceId")).sort()).to.deep.equal([
      `/users?&workspaceId=${data}`,
      `/users?&workspaceId=${ml}`,
    ]);
    expect(operations.filter((path) => /\/users\/c/.test(path))).to.deep.equal([]);
  });
});
