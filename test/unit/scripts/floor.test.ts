import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as lifecycle from "../../../provider/invite/lifecycle";
import * as plan from "../../../provider/invite/plan";
import * as schema from "../../../provider/invite/schema";
import { inputsOf, InviteState } from "../../../provider/invite/schema";
import { Emulator, startEmulator } from "../../../provider/emulator/server";
import { FloorFiles, floorLifecycle } from "../../../scripts/lib/floor";
import {
  FloorMismatch,
  requireFloorNotSlower,
  requireSameFields,
  requireSamePlan,
  StepCounts,
  stepCounts,
} from "../../../scripts/lib/plan-check";
import { configureFor, createInvite } from "../../support/lifecycle";

/**
 * The bench's engine floor against the real lifecycle (over HTTP to the emulator, as the bench's product
 * stack runs it): the floor records the same fields at every step, so the real diff plans the same for
 * both; and the checks that stop the bench when it does not.
 */
describe("bench: the engine floor is the product's plan", () => {
  let emulator: Emulator;
  let dir: string;
  let files: FloorFiles;
  let floor: ReturnType<typeof floorLifecycle>;
  let workspaces: Record<string, "WORKSPACE_MEMBER">;
  const email = "member0001@example.com";

  beforeEach(async () => {
    emulator = await startEmulator({ rateLimits: false });
    emulator.state.switches.workspaceRolesForPending = "accept";
    const org = emulator.organizationId;
    workspaces = {
      [emulator.state.createWorkspace(org, "bench a").id]: "WORKSPACE_MEMBER",
      [emulator.state.createWorkspace(org, "bench b").id]: "WORKSPACE_MEMBER",
    };
    dir = mkdtempSync(join(tmpdir(), "bench-floor-"));
    files = { stepLog: join(dir, "steps.log"), worldFile: join(dir, "world.json"), deploymentWorkspaces: {} };
    writeFileSync(files.stepLog, "");
    floor = floorLifecycle({ lifecycle, schema, plan }, files);
    await configureFor(emulator);
  });
  afterEach(async () => {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A declaration as check returns it (the floor's configure and check are the product's). */
  const declared = async (changes: Record<string, unknown> = {}) => {
    const { inputs, failures } = await floor.check(
      {},
      { email, organizationId: emulator.organizationId, role: "ORGANIZATION_OWNER", workspaceRoles: workspaces, ...changes },
    );
    expect(failures).to.deep.equal([]);
    return inputs as Record<string, unknown>;
  };
  const one = (outs: unknown) => ({ invite: outs as Record<string, unknown> });

  it("create, refresh after acceptance and a role change record the fields the real lifecycle records", async () => {
    const real = await createInvite(emulator, { email, role: "ORGANIZATION_OWNER", workspaceRoles: workspaces });
    const floored = await floor.create(await declared());
    expect(floored.id).to.equal(real.id);
    requireSameFields("up", one(floored.outs), one(real.outs));
    expect(floored.outs).to.deep.include({ status: "PENDING", workspaceRoles: workspaces, role: "ORGANIZATION_OWNER" });
    // The real diff of each against the unchanged declaration: nothing to do, in both.
    expect((await lifecycle.diff(real.id, { ...floored.outs }, await declared())).changes).to.equal(false);
    expect((await lifecycle.diff(real.id, { ...real.outs }, await declared())).changes).to.equal(false);

    emulator.state.acceptInviteOf(emulator.organizationId, email);
    writeFileSync(files.worldFile, JSON.stringify({ accepted: [email] }));
    await configureFor(emulator);
    const realRead = await lifecycle.read(real.id, { ...real.outs });
    const floorRead = await floor.read(real.id, { ...floored.outs });
    requireSameFields("refresh", one(floorRead.props), one(realRead.props));
    expect(floorRead.props).to.deep.include({ status: "ACTIVE" });
    expect(floorRead.inputs).to.deep.equal(realRead.inputs);

    await configureFor(emulator);
    const change = { role: "ORGANIZATION_MEMBER" };
    const realUpdate = await lifecycle.update(real.id, { ...realRead.props }, { ...inputsOf(realRead.props!), ...change });
    const floorUpdate = await floor.update(real.id, { ...floorRead.props }, await declared(change));
    requireSameFields("up-role-change-10pct", one(floorUpdate.outs), one(realUpdate.outs));
    expect(floorUpdate.outs).to.deep.include({ status: "ACTIVE", role: "ORGANIZATION_MEMBER" });
    expect(readFileSync(files.stepLog, "utf8").trim().split("\n")).to.have.length(1);
  });

  it("Deployment and DAG roles, with the WORKSPACE_ACCESSOR Astro adds for them: the same fields at create, refresh and update", async () => {
    const org = emulator.organizationId;
    const elsewhere = emulator.state.createWorkspace(org, "bench Deployments").id;
    const deployment = emulator.state.createDeployment(org, elsewhere, "bench").id;
    files.deploymentWorkspaces = { [deployment]: elsewhere };
    floor = floorLifecycle({ lifecycle, schema, plan }, files);
    const scoped = {
      deploymentRoles: { [deployment]: "DEPLOYMENT_ADMIN" },
      dagRoles: [{ deploymentId: deployment, dagTag: "bench", role: "DAG_VIEWER" }],
    };
    const real = await createInvite(emulator, { email, role: "ORGANIZATION_OWNER", workspaceRoles: workspaces, ...scoped });
    const floored = await floor.create(await declared(scoped));
    requireSameFields("up", one(floored.outs), one(real.outs));
    expect(real.outs.workspaceRolesByAstro).to.deep.equal({ [elsewhere]: "WORKSPACE_ACCESSOR" });

    emulator.state.acceptInviteOf(org, email);
    writeFileSync(files.worldFile, JSON.stringify({ accepted: [email] }));
    await configureFor(emulator);
    const realRead = await lifecycle.read(real.id, { ...real.outs });
    const floorRead = await floor.read(real.id, { ...floored.outs });
    requireSameFields("refresh", one(floorRead.props), one(realRead.props));
    expect((await lifecycle.diff(real.id, { ...realRead.props }, await declared(scoped))).changes).to.equal(false);

    await configureFor(emulator);
    const change = { role: "ORGANIZATION_MEMBER", ...scoped };
    const realUpdate = await lifecycle.update(real.id, { ...realRead.props }, { ...inputsOf(realRead.props!), ...change });
    const floorUpdate = await floor.update(real.id, { ...floorRead.props }, await declared(change));
    requireSameFields("up-role-change-10pct", one(floorUpdate.outs), one(realUpdate.outs));
  });

  it("a field left out of the floor's state stops the bench, naming the phase, and makes the real diff plan another step", async () => {
    const real = await createInvite(emulator, { email, role: "ORGANIZATION_OWNER", workspaceRoles: workspaces });
    const { workspaceRoles: _left, ...leftOut } = (await floor.create(await declared())).outs as InviteState;
    expect(() => requireSameFields("up", one(leftOut), one(real.outs)))
      .to.throw(FloorMismatch, /phase up: .*missing workspaceRoles\./)
      .with.property("message")
      .that.includes(Object.keys(workspaces)[0]);
    // What the engine would do with it after up: an update the product does not make.
    const planned = async (outs: Record<string, unknown>): Promise<StepCounts> =>
      (await lifecycle.diff(real.id, outs, await declared())).changes ? { update: 1 } : { same: 1 };
    const productPlan = await planned({ ...real.outs });
    expect(productPlan).to.deep.equal({ same: 1 });
    const floorPlan = await planned(leftOut);
    expect(() => requireSamePlan("preview-after-up", floorPlan, productPlan)).to.throw(
      FloorMismatch,
      "the engine floor is not the product's plan in phase preview-after-up: floor steps update 1; product steps same 1",
    );
  });

  it("a resource only one stack has stops the bench", () => {
    expect(() => requireSameFields("refresh", { a: { email } }, { a: { email }, b: { email } })).to.throw(
      FloorMismatch,
      "phase refresh: resources only the floor has: none; only the product: b",
    );
  });

  it("a product faster than its floor beyond noise stops the bench", () => {
    expect(() => requireFloorNotSlower("destroy", 10, 9.5)).not.to.throw();
    expect(() => requireFloorNotSlower("destroy", 10, 8.9)).to.throw(
      FloorMismatch,
      /phase destroy: the product took 8.9 s, under 0.9x of the floor's 10 s/,
    );
  });
});

describe("bench: the engine's step summary", () => {
  it("reads preview, up, refresh and destroy summaries as the CLI prints them", () => {
    expect(stepCounts(PREVIEW)).to.deep.equal({ create: 4 });
    expect(stepCounts(UP)).to.deep.equal({ update: 1, same: 3 });
    expect(stepCounts(DESTROY)).to.deep.equal({ delete: 4 });
  });
  it("a run without a summary is an error, not zero steps", () => {
    expect(() => stepCounts("error: update failed\n")).to.throw(/no "Resources:" summary/);
  });
});

const PREVIEW = `Previewing update (bench):
 +  pulumi:pulumi:Stack astro-invites-bench-bench create

Resources:
    + 4 to create

`;
const UP = `Updating (bench):

Outputs:
    counts: {
        PENDING: 2
    }

Resources:
    ~ 1 updated
    3 unchanged

Duration: 3s
`;
const DESTROY = `Destroying (bench):

Resources:
    - 4 deleted

Duration: 2s
`;
