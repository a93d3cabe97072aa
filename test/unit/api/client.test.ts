import { expect } from "chai";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { readFileSync } from "node:fs";
import { AstroClient, AstroClientOptions } from "../../../provider/api/client";
import { AstroApiError, Operation, REQUIRED_PERMISSION } from "../../../provider/api/errors";
import { parseRetryAfterMs } from "../../../provider/api/retry";
import { apiUrlProblem } from "../../../provider/api/url";
import { VERSION } from "../../../provider/version";
import { Emulator, startEmulator } from "../../../provider/emulator/server";
import type { FaultKind } from "../../../provider/emulator/faults";

const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20, requestTimeoutMs: 2000 };

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("AstroClient against the emulator", () => {
  let emulator: Emulator;
  let org: string;
  let lines: string[];
  const client = (options: Partial<AstroClientOptions> = {}) =>
    new AstroClient({ token: emulator.token, baseUrl: emulator.apiUrl, retry: FAST_RETRY, log: (line) => lines.push(line), ...options });

  beforeEach(async () => {
    emulator = await startEmulator();
    org = emulator.organizationId;
    lines = [];
  });
  afterEach(() => emulator.stop());

  it("creates an invite, finds, reads, re-roles and deletes it", async () => {
    const api = client();
    const created = await api.createInvite(org, "jane@example.com", "ORGANIZATION_OWNER");
    if (created.outcome !== "created") throw new Error(created.outcome);
    expect(created.invite.invitee.username).to.equal("jane@example.com");

    const found = await api.findUserByEmail(org, "  JANE@example.COM ");
    expect(found).to.include({ id: created.invite.invitee.id, status: "PENDING", organizationRole: "ORGANIZATION_OWNER" });
    expect((await api.getUser(org, found!.id))?.username).to.equal("jane@example.com");

    await api.updateOrganizationRole(org, found!.id, "ORGANIZATION_OBSERVE_ADMIN");
    expect((await api.getUser(org, found!.id))?.organizationRole).to.equal("ORGANIZATION_OBSERVE_ADMIN");

    emulator.log.length = 0;
    expect((await api.getUser(org, found!.id))?.organizationRole).to.equal("ORGANIZATION_OBSERVE_ADMIN");
    // A role change is one POST: it reads nothing, since it sends no role list back.
    await api.updateOrganizationRole(org, found!.id, "ORGANIZATION_OWNER");
    await api.updateOrganizationRole(org, found!.id, "ORGANIZATION_MEMBER");
    expect(emulator.log.map((e) => e.operation)).to.deep.equal(["getUser", "updateRoles", "updateRoles"]);

    expect(await api.deleteInvite(org, created.invite.inviteId)).to.equal("deleted");
    expect(await api.deleteInvite(org, created.invite.inviteId)).to.equal("alreadyGone");
    expect(await api.getUser(org, found!.id)).to.equal(undefined);
    expect(await api.findUserByEmail(org, "jane@example.com")).to.equal(undefined);
  });

  it("reports an email that already has a role as alreadyMember, with the member", async () => {
    const userId = emulator.state.seedMember(org, "sso@example.com", "ORGANIZATION_MEMBER");
    const result = await client().createInvite(org, "sso@example.com", "ORGANIZATION_OWNER");
    expect(result.outcome).to.equal("alreadyMember");
    expect(result.outcome === "alreadyMember" && result.user.id).to.equal(userId);
  });

  it("pages the user list with the largest page size", async () => {
    for (let i = 0; i < 1203; i++) emulator.state.seedMember(org, `u${String(i).padStart(4, "0")}@example.com`, "ORGANIZATION_MEMBER");
    emulator.log.length = 0;
    expect((await client().findUserByEmail(org, "u1202@example.com"))?.username).to.equal("u1202@example.com");
    expect(emulator.log.map((e) => e.path)).to.deep.equal([
      `/v1/organizations/${org}/users?offset=0&limit=1000`,
      `/v1/organizations/${org}/users?offset=1000&limit=1000`,
    ]);
    expect(await client().findUserByEmail(org, "nobody@example.com")).to.equal(undefined);
  });

  describe("workspace roles", () => {
    it("lists workspaces, a workspace's users with their role lists, and a user's Teams", async () => {
      const api = client();
      const data = emulator.state.createWorkspace(org, "Data Eng").id;
      const ml = emulator.state.createWorkspace(org, "ML").id;
      const jane = emulator.state.seedMember(org, "jane@example.com", "ORGANIZATION_MEMBER");
      emulator.state.seedMember(org, "bob@example.com", "ORGANIZATION_MEMBER");
      emulator.state.grantDirectRoles(org, jane, { workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_OPERATOR" }] });
      emulator.state.seedTeam(org, "analysts", [jane], { workspaceRoles: [{ workspaceId: ml, role: "WORKSPACE_MEMBER" }] });

      expect((await api.listWorkspaces(org)).map((w) => [w.id, w.name])).to.deep.equal([
        [data, "Data Eng"],
        [ml, "ML"],
      ]);
      emulator.log.length = 0;
      const listed = [];
      for await (const { users } of api.listUsers(org, { workspaceId: data })) listed.push(...users);
      expect(listed.map((u) => [u.username, u.workspaceRoles])).to.deep.equal([
        [
          "jane@example.com",
          [
            { workspaceId: data, role: "WORKSPACE_OPERATOR" },
            { workspaceId: ml, role: "WORKSPACE_MEMBER" },
          ],
        ],
      ]);
      expect(emulator.log.map((e) => e.path)).to.deep.equal([`/v1/organizations/${org}/users?offset=0&limit=1000&workspaceId=${data}`]);
      expect((await api.getUserTeams(org, jane)).map((t) => [t.name, t.workspaceRoles])).to.deep.equal([
        ["analysts", [{ workspaceId: ml, role: "WORKSPACE_MEMBER" }]],
      ]);
    });

    it("sets the workspace list with the organization role; keeps deployment roles; a bad workspace is a field error", async () => {
      const api = client();
      const data = emulator.state.createWorkspace(org, "Data Eng").id;
      const jane = emulator.state.seedMember(org, "jane@example.com", "ORGANIZATION_MEMBER");
      const deploymentRoles = [{ deploymentId: "cdeploy", role: "DEPLOYMENT_ADMIN" }];
      emulator.state.grantDirectRoles(org, jane, { deploymentRoles });
      await api.updateUserRoles(org, jane, {
        organizationRole: "ORGANIZATION_MEMBER",
        workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_AUTHOR" }],
      });
      expect(emulator.state.directRoles(org, jane)).to.deep.include({
        workspaceRoles: [{ workspaceId: data, role: "WORKSPACE_AUTHOR" }],
        deploymentRoles,
      });
      const bad = (await rejection(
        api.updateUserRoles(org, jane, {
          organizationRole: "ORGANIZATION_MEMBER",
          workspaceRoles: [{ workspaceId: "cnowhere", role: "WORKSPACE_AUTHOR" }],
        }),
      )) as AstroApiError;
      expect([bad.status, bad.fieldErrors.map((f) => f.field)]).to.deep.equal([400, ["workspaceRoles[0].workspaceId"]]);
      const ids = (await rejection(
        api
          .updateUserRoles(org, jane, { organizationRole: "ORGANIZATION_MEMBER", workspaceRoles: [] })
          .then(() => api.listUsers(org, { workspaceId: "../x" }).next()),
      )) as Error;
      expect(ids.message).to.contain("Refusing to use");
    });

    it("a PENDING user's workspace roles: refused until they accept, or applied, by the emulator's switch", async () => {
      const api = client();
      const data = emulator.state.createWorkspace(org, "Data Eng").id;
      const pending = emulator.state.seedMember(org, "new@example.com", "ORGANIZATION_MEMBER", "PENDING");
      const roles = [{ workspaceId: data, role: "WORKSPACE_MEMBER" }];
      const refused = (await rejection(
        api.updateUserRoles(org, pending, { organizationRole: "ORGANIZATION_MEMBER", workspaceRoles: roles }),
      )) as AstroApiError;
      expect([refused.status, refused.fieldErrors]).to.deep.equal([400, []]);
      emulator.state.switches.workspaceRolesForPending = "accept";
      await api.updateUserRoles(org, pending, { organizationRole: "ORGANIZATION_MEMBER", workspaceRoles: roles });
      expect(emulator.state.directRoles(org, pending).workspaceRoles).to.deep.equal(roles);
    });
  });

  describe("Deployment and DAG roles", () => {
    it("lists Deployments with their workspace (all, or by id), sets a person's Deployment and DAG roles, and finds them by the deploymentId filter", async () => {
      const api = client();
      const data = emulator.state.createWorkspace(org, "Data Eng").id;
      const etl = emulator.state.createDeployment(org, data, "etl").id;
      const other = emulator.state.createDeployment(org, data, "other").id;
      expect(await api.listDeployments(org)).to.deep.equal([
        { id: etl, name: "etl", workspaceId: data },
        { id: other, name: "other", workspaceId: data },
      ]);
      expect((await api.listDeployments(org, [other])).map((d) => d.id)).to.deep.equal([other]);
      const jane = emulator.state.seedMember(org, "jane@example.com", "ORGANIZATION_MEMBER");
      const deploymentRoles = [{ deploymentId: etl, role: "DEPLOYMENT_ADMIN" }];
      const dagRoles = [{ deploymentId: etl, dagTag: "finance", role: "DAG_VIEWER" }];
      await api.updateUserRoles(org, jane, { organizationRole: "ORGANIZATION_MEMBER", deploymentRoles, dagRoles });
      emulator.log.length = 0;
      const pages = [];
      for await (const page of api.listUsers(org, { deploymentId: etl })) pages.push(...page.users);
      expect(pages.map((u) => [u.username, u.deploymentRoles, u.dagRoles])).to.deep.equal([
        ["jane@example.com", deploymentRoles, dagRoles],
      ]);
      expect(emulator.log.map((e) => e.path)).to.deep.equal([`/v1/organizations/${org}/users?offset=0&limit=1000&deploymentId=${etl}`]);
      const bad = (await rejection(
        api.updateUserRoles(org, jane, { organizationRole: "ORGANIZATION_MEMBER", deploymentRoles: [{ deploymentId: etl, role: "NOPE" }] }),
      )) as AstroApiError;
      expect([bad.status, bad.fieldErrors.map((f) => f.field)]).to.deep.equal([400, ["deploymentRoles[0].role"]]);
    });
  });

  it("sends the bearer token and a User-Agent naming this package", async () => {
    const seen: Record<string, string | undefined> = {};
    const server = createServer((req, res) => {
      seen.authorization = req.headers.authorization;
      seen.userAgent = req.headers["user-agent"];
      res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ message: "no", requestId: "r", statusCode: 404 }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      await new AstroClient({ token: "tok-123", baseUrl: `http://127.0.0.1:${port}/v1` }).getUser(org, "cuser");
      expect(seen).to.deep.equal({ authorization: "Bearer tok-123", userAgent: `pulumi-astro-invites/${VERSION}` });
    } finally {
      server.close();
    }
    expect(VERSION).to.equal(JSON.parse(readFileSync("package.json", "utf8")).version);
  });

  describe("Teams", () => {
    it("a Team's life: created with members, found by name, renamed, roles set, members changed, deleted", async () => {
      const api = client();
      const jane = emulator.state.seedMember(org, "jane@example.com", "ORGANIZATION_MEMBER");
      const joe = emulator.state.seedMember(org, "joe@example.com", "ORGANIZATION_MEMBER");
      const ops = emulator.state.createWorkspace(org, "Ops").id;
      expect(await api.getOrganization(org)).to.deep.include({ id: org, isScimEnabled: false });
      const team = await api.createTeam(org, { name: "platform", organizationRole: "ORGANIZATION_OWNER", memberIds: [jane] });
      expect(team).to.include({ name: "platform", organizationRole: "ORGANIZATION_OWNER", isIdpManaged: false });
      emulator.state.seedTeam(org, "platform & friends", []);
      expect((await api.listTeams(org, ["platform"])).map((t) => t.id)).to.deep.equal([team.id]);
      expect((await api.listTeams(org, ["platform & friends"])).map((t) => t.name)).to.deep.equal(["platform & friends"]);
      expect(await api.listTeams(org)).to.have.length(2);
      expect(await api.updateTeam(org, team.id, { name: "platform-eng" })).to.include({ name: "platform-eng" });
      await api.updateTeamRoles(org, team.id, {
        organizationRole: "ORGANIZATION_MEMBER",
        workspaceRoles: [{ workspaceId: ops, role: "WORKSPACE_AUTHOR" }],
      });
      expect(await api.getTeam(org, team.id)).to.deep.include({
        organizationRole: "ORGANIZATION_MEMBER",
        workspaceRoles: [{ workspaceId: ops, role: "WORKSPACE_AUTHOR" }],
      });
      await api.addTeamMembers(org, team.id, [joe]);
      expect((await api.listTeamMembers(org, team.id)).map((m) => m.username)).to.deep.equal(["jane@example.com", "joe@example.com"]);
      expect(await api.removeTeamMember(org, team.id, jane)).to.equal("removed");
      expect(await api.removeTeamMember(org, team.id, jane)).to.equal("alreadyGone");
      expect(await api.deleteTeam(org, team.id)).to.equal("deleted");
      expect(await api.deleteTeam(org, team.id)).to.equal("alreadyGone");
      expect(await api.getTeam(org, team.id)).to.equal(undefined);
    });

    it("a create that may have reached Astro is never sent again; one that cannot have is retried", async () => {
      emulator.faults.add({ kind: "commitThenReset", operation: "createTeam", calls: [1] });
      const error = (await rejection(client().createTeam(org, { name: "platform" }))) as AstroApiError;
      expect(error).to.be.instanceOf(AstroApiError);
      expect(emulator.log.filter((e) => e.operation === "createTeam")).to.have.length(1);
      expect(emulator.organization().teams.map((t) => t.name)).to.deep.equal(["platform"]);

      emulator.faults.add({ kind: "429", operation: "createTeam", calls: [1] });
      expect(await client().createTeam(org, { name: "analysts" })).to.include({ name: "analysts" });
      expect(emulator.log.filter((e) => e.operation === "createTeam").map((e) => e.status)).to.deep.equal([0, 429, 200]);
    });

    it("refusals name the field: an unknown member, a pending one, a Team the identity provider manages", async () => {
      const pending = emulator.state.seedMember(org, "new@example.com", "ORGANIZATION_MEMBER", "PENDING");
      const team = await client().createTeam(org, { name: "platform" });
      const refused = (await rejection(client().addTeamMembers(org, team.id, [pending]))) as AstroApiError;
      expect([refused.status, refused.fieldErrors.map((f) => f.field)]).to.deep.equal([400, ["memberIds[0]"]]);
      const idp = emulator.state.seedTeam(org, "okta", [], { isIdpManaged: true });
      expect(await client().getTeam(org, idp)).to.include({ isIdpManaged: true });
      const denied = (await rejection(client().updateTeam(org, idp, { name: "mine" }))) as AstroApiError;
      expect([denied.status, denied.operation]).to.deep.equal([403, "updateTeam"]);
    });
  });

  describe("errors", () => {
    it("401: names the permission the call needs, and never the token", async () => {
      const secret = "astro-secret-token-value-0123456789";
      const error = await rejection(client({ token: secret }).createInvite(org, "a@example.com", "ORGANIZATION_MEMBER"));
      expect(error).to.be.instanceOf(AstroApiError);
      expect(error).to.include({ status: 401, operation: "createInvite" });
      expect(error.message).to.contain("organization.users.create");
      for (const text of [error.message, String(error.stack), inspect(error, { depth: 10 }), JSON.stringify(error), ...lines]) {
        expect(text).not.to.contain(secret);
      }
    });

    it("the client object itself never shows the token: inspect (hidden fields too), JSON, its own keys", () => {
      const secret = "astro-secret-token-value-0123456789";
      const api = client({ token: secret });
      const dumps = [inspect(api, { depth: 20, showHidden: true }), JSON.stringify(api), String(Object.getOwnPropertyNames(api))];
      for (const text of dumps) expect(text).not.to.contain(secret);
    });

    it("403: a token without rights on the organization, naming the permission", async () => {
      const error = (await rejection(client({ token: emulator.createToken("elsewhere", []) }).getUser(org, "cuser"))) as AstroApiError;
      expect(error.status).to.equal(403);
      expect(error.message).to.contain("organization.users.get");
      expect(error.requestId).to.be.a("string");
    });

    it("the permission each operation needs: the client's list and the emulator's agree", async () => {
      const everything = Object.values(REQUIRED_PERMISSION);
      const userId = emulator.state.seedMember(org, "member@example.com", "ORGANIZATION_MEMBER");
      const teamId = emulator.state.seedTeam(org, "platform", [userId]);
      const calls: Record<Operation, (api: AstroClient) => Promise<unknown>> = {
        createInvite: (api) => api.createInvite(org, "new@example.com", "ORGANIZATION_MEMBER"),
        deleteInvite: (api) => api.deleteInvite(org, "cinvite"),
        listUsers: (api) => api.findUserByEmail(org, "member@example.com"),
        getUser: (api) => api.getUser(org, userId),
        updateRoles: (api) => api.updateOrganizationRole(org, userId, "ORGANIZATION_OWNER"),
        getUserTeams: (api) => api.getUserTeams(org, userId),
        listWorkspaces: (api) => api.listWorkspaces(org),
        listDeployments: (api) => api.listDeployments(org),
        getOrganization: (api) => api.getOrganization(org),
        listTeams: (api) => api.listTeams(org),
        createTeam: (api) => api.createTeam(org, { name: "new" }),
        getTeam: (api) => api.getTeam(org, teamId),
        updateTeam: (api) => api.updateTeam(org, teamId, { name: "renamed" }),
        deleteTeam: (api) => api.deleteTeam(org, teamId),
        listTeamMembers: (api) => api.listTeamMembers(org, teamId),
        addTeamMembers: (api) => api.addTeamMembers(org, teamId, [userId]),
        removeTeamMember: (api) => api.removeTeamMember(org, teamId, userId),
        updateTeamRoles: (api) => api.updateTeamRoles(org, teamId, { organizationRole: "ORGANIZATION_MEMBER" }),
      };
      for (const [operation, call] of Object.entries(calls) as [Operation, (api: AstroClient) => Promise<unknown>][]) {
        const permission = REQUIRED_PERMISSION[operation];
        const token = emulator.createToken(
          `without-${permission}`,
          [org],
          everything.filter((p) => p !== permission),
        );
        const error = (await rejection(call(client({ token })))) as AstroApiError;
        expect([error.status, error.operation], operation).to.deep.equal([403, operation]);
        expect(error.message, operation)
          .to.contain(`lacks the permission ${permission}`)
          .and.to.contain(`it needs the ${permission} permission`);
      }
    });

    it("404 on an unknown organization, 400 with field errors on a bad invite", async () => {
      const unknown = (await rejection(client().findUserByEmail("cunknownorg00000000000000", "a@example.com"))) as AstroApiError;
      expect(unknown.status).to.equal(404);
      const bad = (await rejection(client().createInvite(org, "nope", "ORGANIZATION_MEMBER"))) as AstroApiError;
      expect(bad.status).to.equal(400);
      expect(bad.fieldErrors.map((f) => f.field)).to.deep.equal(["inviteeEmail"]);
      expect(bad.message).to.contain("inviteeEmail");
    });

    it("a body of the wrong shape names the operation and the field", async () => {
      const server = createServer((_req, res) =>
        res.writeHead(200).end(JSON.stringify({ id: "x", username: "a@example.com", status: "SLEEPING" })),
      );
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const port = (server.address() as AddressInfo).port;
        const error = await rejection(new AstroClient({ token: "t", baseUrl: `http://127.0.0.1:${port}/v1` }).getUser(org, "x"));
        expect(error.message).to.contain("getUser").and.to.contain("status").and.to.contain("fullName");
      } finally {
        server.close();
      }
    });
  });

  describe("retries", () => {
    it("retries 500, 502, 503, 504-class failures and resets until an answer arrives", async () => {
      emulator.faults.add({ kind: "503", operation: "getUser", calls: [1] });
      emulator.faults.add({ kind: "502", operation: "getUser", calls: [2] });
      emulator.faults.add({ kind: "reset", operation: "getUser", calls: [3] });
      expect(await client().getUser(org, "cnobody")).to.equal(undefined);
      expect(emulator.log.map((e) => e.status)).to.deep.equal([503, 502, 0, 404]);
      expect(lines.filter((l) => l.startsWith("retrying"))).to.have.length(3);
    });

    it("retries a refused connection", async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const port = (server.address() as AddressInfo).port;
      await new Promise((resolve) => server.close(resolve));
      const error = (await rejection(
        new AstroClient({ token: "t", baseUrl: `http://127.0.0.1:${port}/v1`, retry: { ...FAST_RETRY, maxAttempts: 3 } }).getUser(org, "x"),
      )) as AstroApiError;
      expect(error.message).to.contain("ECONNREFUSED").and.to.contain("3 attempts");
    });

    it("honours Retry-After on 429", async () => {
      emulator.faults.add({ kind: "429", operation: "listUsers", calls: [1], retryAfterSeconds: 1 });
      const started = Date.now();
      await client().findUserByEmail(org, "a@example.com");
      expect(Date.now() - started).to.be.at.least(950);
      expect(emulator.log.map((e) => e.status)).to.deep.equal([429, 200]);
    });

    it("backs off without Retry-After too", async () => {
      emulator.state.switches.retryAfterOn429 = false;
      emulator.faults.add({ kind: "429", operation: "listUsers", calls: [1, 2] });
      await client().findUserByEmail(org, "a@example.com");
      expect(emulator.log.map((e) => e.status)).to.deep.equal([429, 429, 200]);
    });

    it("times out a slow attempt and tries again", async () => {
      emulator.faults.add({ kind: "latency", latencyMs: 800, operation: "listUsers", calls: [1] });
      await client({ retry: { ...FAST_RETRY, requestTimeoutMs: 300 } }).findUserByEmail(org, "a@example.com");
      expect(lines[0]).to.contain("ETIMEDOUT");
    });

    it("gives up at the attempt bound with what happened", async () => {
      emulator.faults.add({ kind: "500", operation: "getUser" });
      const error = (await rejection(client({ retry: { ...FAST_RETRY, maxAttempts: 4 } }).getUser(org, "x"))) as AstroApiError;
      expect(error).to.include({ status: 500, attempts: 4 });
      expect(emulator.log).to.have.length(4);
    });

    it("gives up at the time bound rather than wait past it", async () => {
      emulator.faults.add({ kind: "429", operation: "getUser", retryAfterSeconds: 5 });
      const started = Date.now();
      const error = (await rejection(client({ retry: { ...FAST_RETRY, maxElapsedMs: 2000 } }).getUser(org, "x"))) as AstroApiError;
      expect(error.status).to.equal(429);
      expect(Date.now() - started).to.be.below(1500);
    });

    it("parses Retry-After as seconds or as an HTTP date", () => {
      expect(parseRetryAfterMs("3")).to.equal(3000);
      expect(parseRetryAfterMs(new Date(Date.now() + 10_000).toUTCString())).to.be.within(8_000, 10_000);
      expect(parseRetryAfterMs("soon")).to.equal(undefined);
      expect(parseRetryAfterMs(undefined)).to.equal(undefined);
    });
  });

  describe("no duplicate invite after an ambiguous create failure", () => {
    const kinds: FaultKind[] = ["500", "502", "503", "reset", "commitThenReset", "latency"];
    for (const kind of kinds) {
      it(`${kind} on the first POST: exactly one invite exists afterwards`, async () => {
        emulator.faults.add({ kind, operation: "createInvite", calls: [1], latencyMs: 600 });
        // The emulator still commits a request whose client timed out, as a slow real server would.
        const result = await client({ retry: { ...FAST_RETRY, requestTimeoutMs: 300 } }).createInvite(
          org,
          "jane@example.com",
          "ORGANIZATION_MEMBER",
        );
        if (kind === "latency") await new Promise((resolve) => setTimeout(resolve, 500));
        const invites = emulator.organization().invites.filter((i) => i.state === "pending");
        expect(invites, JSON.stringify(invites)).to.have.length(1);
        if (result.outcome === "created") expect(result.invite.inviteId).to.equal(invites[0].inviteId);
        if (kind === "commitThenReset") {
          expect(result.outcome).to.equal("foundAfterAmbiguousFailure");
          expect(emulator.log.filter((e) => e.method === "POST")).to.have.length(1);
        }
      });
    }

    it("a 429 is not ambiguous: the POST is simply retried", async () => {
      emulator.faults.add({ kind: "429", operation: "createInvite", calls: [1] });
      const result = await client().createInvite(org, "jane@example.com", "ORGANIZATION_MEMBER");
      expect(result.outcome).to.equal("created");
      expect(emulator.log.map((e) => e.method)).to.deep.equal(["POST", "POST"]);
    });
  });

  it("paces requests per token at Astro's limits and draws no 429", async () => {
    const api = client({ token: emulator.createToken("pacing", [org]) });
    const started = Date.now();
    await Promise.all(Array.from({ length: 30 }, (_, i) => api.createInvite(org, `p${i}@example.com`, "ORGANIZATION_MEMBER")));
    const elapsed = Date.now() - started;
    expect(elapsed).to.be.at.least((29 / 10) * 1000 - 50);
    expect(emulator.counts().throttled).to.equal(0);
    expect(emulator.log.filter((e) => e.status === 200)).to.have.length(30);
  });

  describe("base URL", () => {
    it("allows https anywhere and http only on loopback", () => {
      for (const ok of [
        "https://api.astronomer.io/v1",
        "http://127.0.0.1:8080/v1",
        "http://localhost:1/v1",
        "http://[::1]:9/v1",
        "http://127.9.8.7/v1",
      ]) {
        expect(apiUrlProblem(ok), ok).to.equal(undefined);
      }
      expect(apiUrlProblem("http://api.astronomer.io/v1")).to.contain("must use https");
      expect(apiUrlProblem("http://10.0.0.1/v1")).to.contain("loopback");
      expect(apiUrlProblem("ftp://example.com")).to.contain("scheme ftp");
      expect(apiUrlProblem("not a url")).to.contain("absolute https URL");
      expect(() => new AstroClient({ token: "t", baseUrl: "http://example.com/v1" })).to.throw(/must use https/);
    });
  });
});
