import { expect } from "chai";
import { DeploymentsPageSchema, ErrorBodySchema, UserSchema, UsersPageSchema } from "../../../provider/api/schemas";
import { Emulator, startEmulator } from "../../../provider/emulator/server";
import { call } from "../../support/http";

/**
 * The emulator's Deployments and the Deployment and DAG role lists of a roles POST, over plain HTTP: what
 * the reference says (Astro adds WORKSPACE_ACCESSOR for a Deployment or DAG role without a workspace role),
 * and a switch for each thing it does not (refused instead; a DAG role without a Deployment role).
 */
describe("emulator: Deployments and their roles", () => {
  let emulator: Emulator;
  let org: string;
  let jane: string;
  let data: string;
  let ml: string;
  let etl: string;
  let train: string;
  beforeEach(async () => {
    emulator = await startEmulator({ rateLimits: false });
    org = emulator.organizationId;
    jane = emulator.state.seedMember(org, "jane@example.com", "ORGANIZATION_MEMBER");
    data = emulator.state.createWorkspace(org, "Data").id;
    ml = emulator.state.createWorkspace(org, "ML").id;
    etl = emulator.state.createDeployment(org, data, "etl").id;
    train = emulator.state.createDeployment(org, ml, "train").id;
  });
  afterEach(() => emulator.stop());

  const roles = (body: Record<string, unknown>) =>
    call(emulator, "POST", `/organizations/${org}/users/${jane}/roles`, { body: { organizationRole: "ORGANIZATION_MEMBER", ...body } });
  const fields = (response: { body: unknown }) => (ErrorBodySchema.parse(response.body).fieldErrors ?? []).map((e) => e.field);
  const janeById = async () => UserSchema.parse((await call(emulator, "GET", `/organizations/${org}/users/${jane}`)).body);

  it("lists the organization's Deployments with their workspace, filtered by workspaceIds or deploymentIds, a page at a time", async () => {
    const list = async (query: string) =>
      DeploymentsPageSchema.parse((await call(emulator, "GET", `/organizations/${org}/deployments${query}`)).body);
    expect((await list("")).deployments).to.deep.equal([
      { id: etl, name: "etl", workspaceId: data },
      { id: train, name: "train", workspaceId: ml },
    ]);
    expect((await list(`?workspaceIds=${ml}`)).deployments.map((d) => d.id)).to.deep.equal([train]);
    expect((await list(`?deploymentIds=${etl},${train}&limit=1&offset=1`)).deployments.map((d) => d.id)).to.deep.equal([train]);
    expect((await list(`?deploymentIds=${etl}&deploymentIds=${train}`)).totalCount).to.equal(2);
  });

  it("a Deployment role and a DAG role are granted; Astro adds WORKSPACE_ACCESSOR where no workspace role was; the deploymentId filter finds the user", async () => {
    const set = await roles({
      deploymentRoles: [{ deploymentId: etl, role: "DEPLOYMENT_ADMIN" }],
      dagRoles: [
        { deploymentId: etl, dagId: "nightly", role: "DAG_VIEWER" },
        { deploymentId: etl, dagTag: "finance", role: "DAG_AUTHOR" },
      ],
    });
    expect(set.status).to.equal(200);
    const user = await janeById();
    expect(user.workspaceRoles).to.deep.equal([{ workspaceId: data, role: "WORKSPACE_ACCESSOR" }]);
    expect(user.dagRoles).to.have.length(2);
    const onEtl = UsersPageSchema.parse((await call(emulator, "GET", `/organizations/${org}/users?deploymentId=${etl}`)).body).users;
    expect(onEtl.map((u) => [u.username, u.deploymentRoles])).to.deep.equal([
      ["jane@example.com", [{ deploymentId: etl, role: "DEPLOYMENT_ADMIN" }]],
    ]);
    const onTrain = UsersPageSchema.parse((await call(emulator, "GET", `/organizations/${org}/users?deploymentId=${train}`)).body);
    expect(onTrain.totalCount).to.equal(0);
    expect((await call(emulator, "GET", `/organizations/${org}/users?deploymentId=cnowhere00000000000000000`)).status).to.equal(404);
    // A list the body omits is kept; one it sends replaces.
    await roles({ deploymentRoles: [], dagRoles: [] });
    expect((await janeById()).deploymentRoles).to.deep.equal([]);
    expect((await janeById()).workspaceRoles).to.deep.equal([{ workspaceId: data, role: "WORKSPACE_ACCESSOR" }]);
  });

  it("refuses, naming the field: an unknown Deployment, a role neither built in nor the organization's, a DAG role naming both or neither of dagId and dagTag, a Deployment twice", async () => {
    const custom = emulator.state.createCustomRole(org, "DEPLOYMENT");
    expect((await roles({ deploymentRoles: [{ deploymentId: etl, role: custom }] })).status).to.equal(200);
    const bad = await roles({
      deploymentRoles: [
        { deploymentId: "cnowhere00000000000000000", role: "DEPLOYMENT_ADMIN" },
        { deploymentId: etl, role: "DEPLOYMENT_OWNER" },
        { deploymentId: etl, role: "DEPLOYMENT_ADMIN" },
      ],
      dagRoles: [
        { deploymentId: etl, role: "DAG_VIEWER" },
        { deploymentId: etl, dagId: "a", dagTag: "b", role: custom },
      ],
    });
    expect([bad.status, fields(bad)]).to.deep.equal([
      400,
      [
        "deploymentRoles[0].deploymentId",
        "deploymentRoles[1].role",
        "deploymentRoles[2].deploymentId",
        "dagRoles[0]",
        "dagRoles[1].role",
        "dagRoles[1]",
      ],
    ]);
    const noId = await roles({ deploymentRoles: [{ role: "DEPLOYMENT_ADMIN" }] });
    expect([noId.status, fields(noId)]).to.deep.equal([400, ["deploymentRoles"]]);
  });

  it("the parent switches: refused without a workspace role; a DAG role without a Deployment role refused, or accepted", async () => {
    emulator.state.switches.scopedRoleWithoutWorkspaceRole = "refuse";
    const orphan = await roles({ deploymentRoles: [{ deploymentId: etl, role: "DEPLOYMENT_ADMIN" }] });
    expect([orphan.status, fields(orphan)]).to.deep.equal([400, ["deploymentRoles[0].deploymentId"]]);
    const parented = await roles({
      workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_MEMBER" }],
      deploymentRoles: [{ deploymentId: etl, role: "DEPLOYMENT_ADMIN" }],
    });
    expect(parented.status).to.equal(200);

    emulator.state.switches.scopedRoleWithoutWorkspaceRole = "addAccessor";
    const dagOnly = await roles({ dagRoles: [{ deploymentId: train, dagId: "fit", role: "DAG_VIEWER" }] });
    expect([dagOnly.status, fields(dagOnly)]).to.deep.equal([400, ["dagRoles[0].deploymentId"]]);
    emulator.state.switches.dagRoleWithoutDeploymentRole = "accept";
    expect((await roles({ dagRoles: [{ deploymentId: train, dagId: "fit", role: "DAG_VIEWER" }] })).status).to.equal(200);
    expect((await janeById()).workspaceRoles).to.deep.equal([
      { workspaceId: data, role: "WORKSPACE_MEMBER" },
      { workspaceId: ml, role: "WORKSPACE_ACCESSOR" },
    ]);
  });

  it("a PENDING user's Deployment roles wait for acceptance, by the same switch as workspace roles", async () => {
    const pending = emulator.state.seedMember(org, "new@example.com", "ORGANIZATION_MEMBER", "PENDING");
    const body = { organizationRole: "ORGANIZATION_MEMBER", deploymentRoles: [{ deploymentId: etl, role: "DEPLOYMENT_ADMIN" }] };
    const refused = await call(emulator, "POST", `/organizations/${org}/users/${pending}/roles`, { body });
    expect([refused.status, fields(refused)]).to.deep.equal([400, []]);
    emulator.state.switches.workspaceRolesForPending = "accept";
    expect((await call(emulator, "POST", `/organizations/${org}/users/${pending}/roles`, { body })).status).to.equal(200);
  });
});
