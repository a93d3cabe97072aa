import { expect } from "chai";
import * as lifecycle from "../../../provider/invite/lifecycle";
import { UNKNOWN } from "../../../provider/invite/schema";
import { Emulator, startEmulator } from "../../../provider/emulator/server";
import { configureFor, createInvite } from "../../support/lifecycle";

const ORG = "clm9t0gbt000108jv4f1cfu8u";

describe("lifecycle: check and diff (no network)", () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ rateLimits: false });
    await configureFor(emulator);
  });
  after(() => emulator.stop());
  afterEach(async () => {
    await configureFor(emulator);
    expect(
      emulator.log.filter((e) => !e.path.includes("_emulator")),
      "requests sent by check/diff",
    ).to.deep.equal([]);
  });

  const check = (news: Record<string, unknown>) => lifecycle.check({}, { organizationId: ORG, ...news });
  const reasons = async (news: Record<string, unknown>) => (await check(news)).failures.map((f) => `${f.property}: ${f.reason}`);

  describe("check", () => {
    it("normalizes the email and fills the defaults", async () => {
      const { inputs, failures } = await check({ email: "  Jane.Doe@Example.COM " });
      expect(failures).to.deep.equal([]);
      expect(inputs).to.deep.equal({
        email: "jane.doe@example.com",
        role: "ORGANIZATION_MEMBER",
        organizationId: ORG,
        apiUrl: emulator.apiUrl,
        workspaceRoles: {},
        deploymentRoles: {},
        dagRoles: [],
        teams: [],
        onDelete: "demote",
      });
    });

    it("takes organizationId from the environment when neither the input nor the config has it", async () => {
      await configureFor(emulator, emulator.token, { ASTRO_ORGANIZATION_ID: "cenv00000000000000000000a" });
      const { inputs } = await lifecycle.check({}, { email: "a@example.com" });
      expect(inputs.organizationId).to.equal("cenv00000000000000000000a");
    });

    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["empty email", { email: "" }, /^email: email is required/],
      ["email without @", { email: "jane.example.com" }, /^email: .*exactly one "@"/],
      ["email with two @", { email: "a@b@example.com" }, /^email: .*exactly one "@"/],
      ["email with a space inside", { email: "jane doe@example.com" }, /^email: .*spaces/],
      ["email over 254 characters", { email: `${"a".repeat(64)}@${"b".repeat(190)}.com` }, /^email: .*at most 254 characters, got 259/],
      ["email with a leading dot", { email: ".jane@example.com" }, /^email: .*before "@"/],
      ["email with a trailing dot before @", { email: "jane.@example.com" }, /^email: .*before "@"/],
      ["email with a bad domain", { email: "jane@example" }, /^email: .*invalid domain/],
      [
        "lowercase role",
        { email: "a@example.com", role: "organization_owner" },
        /^role: role must be one of \[ORGANIZATION_OWNER, .*ORGANIZATION_MEMBER\], got "organization_owner" \(roles are upper case/,
      ],
      [
        "unknown role",
        { email: "a@example.com", role: "ORGANIZATION_ADMIN" },
        /^role: role must be one of \[.*\], got "ORGANIZATION_ADMIN"$/,
      ],
      ["empty role", { email: "a@example.com", role: "" }, /^role: role must be one of/],
      [
        "malformed organizationId",
        { email: "a@example.com", organizationId: "my-org" },
        /^organizationId: .*25 lowercase letters.*got "my-org"/,
      ],
      ["apiUrl over plain http", { email: "a@example.com", apiUrl: "http://api.astronomer.io/v1" }, /^apiUrl: apiUrl must use https/],
      ["apiUrl not a URL", { email: "a@example.com", apiUrl: "astronomer" }, /^apiUrl: apiUrl must be an absolute https URL/],
      ["apiUrl of another scheme", { email: "a@example.com", apiUrl: "ftp://api.astronomer.io" }, /^apiUrl: .*scheme ftp/],
      [
        "apiUrl with a query string",
        { email: "a@example.com", apiUrl: "https://api.astronomer.io/v1?org=x" },
        /^apiUrl: apiUrl must not contain a query string/,
      ],
      [
        "apiUrl with a fragment",
        { email: "a@example.com", apiUrl: "https://api.astronomer.io/v1#x" },
        /^apiUrl: apiUrl must not contain a fragment/,
      ],
      [
        "apiUrl with credentials",
        { email: "a@example.com", apiUrl: "https://me:pw@api.astronomer.io/v1" },
        /^apiUrl: apiUrl must not contain credentials \(user:password@\).*me:\*\*\*@/,
      ],
      [
        "email with an international domain",
        { email: "jane@bücher.de" },
        /^email: email must give an international domain in its ASCII \(punycode\) form: jane@xn--bcher-kva\.de, got "jane@bücher\.de"$/,
      ],
      [
        "a Deployment role that is neither built in nor a custom role's id",
        { email: "a@example.com", deploymentRoles: { cdeploy000000000000000001: "DEPLOYMENT_ADMN" } },
        /^deploymentRoles: deploymentRoles\.cdeploy000000000000000001 must be one of \[DEPLOYMENT_ADMIN\] or the id of a custom Deployment role .*got "DEPLOYMENT_ADMN"$/,
      ],
      [
        "a Deployment id that is not an Astro id",
        { email: "a@example.com", deploymentRoles: { "prod-etl": "DEPLOYMENT_ADMIN" } },
        /^deploymentRoles: deploymentRoles: "prod-etl" is not an Astro Deployment id/,
      ],
      [
        "a DAG role naming both a DAG and a tag",
        {
          email: "a@example.com",
          deploymentRoles: { cdeploy000000000000000001: "DEPLOYMENT_ADMIN" },
          dagRoles: [{ deploymentId: "cdeploy000000000000000001", dagId: "nightly", dagTag: "finance", role: "DAG_VIEWER" }],
        },
        /^dagRoles: dagRoles\[0\] must give one of dagId and dagTag, not both$/,
      ],
      [
        "a DAG role that is not a DAG role",
        {
          email: "a@example.com",
          deploymentRoles: { cdeploy000000000000000001: "DEPLOYMENT_ADMIN" },
          dagRoles: [{ deploymentId: "cdeploy000000000000000001", dagTag: "finance", role: "DEPLOYMENT_ADMIN" }],
        },
        /^dagRoles: dagRoles\[0\]\.role must be one of \[DAG_AUTHOR, DAG_VIEWER\] or the id of a custom DAG role/,
      ],
      [
        "a DAG given two roles",
        {
          email: "a@example.com",
          deploymentRoles: { cdeploy000000000000000001: "DEPLOYMENT_ADMIN" },
          dagRoles: [
            { deploymentId: "cdeploy000000000000000001", dagTag: "finance", role: "DAG_VIEWER" },
            { deploymentId: "cdeploy000000000000000001", dagTag: "finance", role: "DAG_AUTHOR" },
          ],
        },
        /^dagRoles: dagRoles\[1\]: tag finance of Deployment cdeploy000000000000000001 is listed twice/,
      ],
      [
        "a DAG role without a Deployment role on its Deployment",
        { email: "a@example.com", dagRoles: [{ deploymentId: "cdeploy000000000000000001", dagId: "nightly", role: "DAG_VIEWER" }] },
        /^dagRoles: dagRoles\[0\] is on Deployment cdeploy000000000000000001, which deploymentRoles gives no role on/,
      ],
      [
        "unknown onDelete",
        { email: "a@example.com", onDelete: "remove" },
        /^onDelete: onDelete must be one of \[demote, keep\], got "remove"/,
      ],
    ];
    for (const [name, news, expected] of cases) {
      it(`rejects ${name}, naming the property`, async () => {
        const found = await reasons(news);
        expect(found).to.have.length(1);
        expect(found[0]).to.match(expected);
      });
    }

    it("names the whole fallback chain when organizationId is missing everywhere", async () => {
      const { failures } = await lifecycle.check({}, { email: "a@example.com" });
      expect(failures).to.have.length(1);
      expect(failures[0].property).to.equal("organizationId");
      expect(failures[0].reason)
        .to.contain("organizationId input")
        .and.contain("astro:organizationId")
        .and.contain("ASTRO_ORGANIZATION_ID");
    });

    it("names where a bad default came from", async () => {
      await configureFor(emulator, emulator.token, { ASTRO_ORGANIZATION_ID: "Org-From-Env" });
      const { failures } = await lifecycle.check({}, { email: "a@example.com" });
      expect(failures[0].reason).to.contain("from environment variable ASTRO_ORGANIZATION_ID");
    });

    it("reports every problem at once", async () => {
      expect((await reasons({ email: "nope", role: "boss", apiUrl: "http://example.com" })).map((r) => r.split(":")[0])).to.deep.equal([
        "email",
        "role",
        "apiUrl",
      ]);
    });

    it("lets preview's unknown values through unvalidated", async () => {
      const { inputs, failures } = await check({ email: UNKNOWN, role: UNKNOWN, organizationId: UNKNOWN });
      expect(failures).to.deep.equal([]);
      expect(inputs).to.include({ email: UNKNOWN, role: UNKNOWN, organizationId: UNKNOWN });
    });

    it("reports a missing token with both ways to set it", async () => {
      await configureFor(emulator, "");
      const { failures } = await check({ email: "a@example.com", apiUrl: emulator.apiUrl });
      expect(failures).to.have.length(1);
      expect(failures[0].property).to.equal("apiToken");
      expect(failures[0].reason).to.contain("pulumi config set --secret astro:apiToken").and.contain("ASTRO_API_TOKEN");
      await configureFor(emulator, "", { ASTRO_API_TOKEN: emulator.token });
      expect((await check({ email: "a@example.com", apiUrl: emulator.apiUrl })).failures).to.deep.equal([]);
    });
  });

  describe("diff", () => {
    let olds: Record<string, unknown>;
    before(async () => {
      olds = { ...(await createInvite(emulator, { email: "jane@example.com", organizationId: emulator.organizationId })).outs };
      emulator.log.length = 0;
    });
    const news = (changes: Record<string, unknown> = {}) =>
      ({
        email: "jane@example.com",
        role: "ORGANIZATION_MEMBER",
        organizationId: emulator.organizationId,
        apiUrl: emulator.apiUrl,
        onDelete: "demote",
        ...changes,
      }) as never;

    it("nothing changed: no changes, stated explicitly", async () => {
      expect(await lifecycle.diff("id", olds, news())).to.deep.equal({ changes: false, replaces: [], deleteBeforeReplace: false });
    });

    it("an email differing only in case and spaces is no change", async () => {
      expect((await lifecycle.diff("id", { ...olds, email: " Jane@Example.com" }, news())).changes).to.equal(false);
    });

    it("role changed: update in place", async () => {
      expect(await lifecycle.diff("id", olds, news({ role: "ORGANIZATION_OWNER" }))).to.deep.equal({
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
      });
    });

    it("apiUrl or onDelete changed: update, no replace", async () => {
      expect((await lifecycle.diff("id", olds, news({ apiUrl: "https://api.astronomer.io/v1" }))).replaces).to.deep.equal([]);
      expect((await lifecycle.diff("id", olds, news({ onDelete: "keep" }))).changes).to.equal(true);
    });

    it("email or organization changed: replace, revoking first", async () => {
      expect(await lifecycle.diff("id", olds, news({ email: "john@example.com" }))).to.deep.equal({
        changes: true,
        replaces: ["email"],
        deleteBeforeReplace: true,
      });
      expect((await lifecycle.diff("id", olds, news({ organizationId: ORG }))).replaces).to.deep.equal(["organizationId"]);
      expect((await lifecycle.diff("id", olds, news({ email: UNKNOWN }))).replaces).to.deep.equal(["email"]);
    });

    it("a pending invite past its expiry: update, so that up re-sends it", async () => {
      const expired = { ...olds, expiresAt: new Date(Date.now() - 1000).toISOString() };
      expect((await lifecycle.diff("id", expired, news())).changes).to.equal(true);
      expect((await lifecycle.diff("id", { ...olds, status: "EXPIRED" }, news())).changes).to.equal(true);
      expect((await lifecycle.diff("id", { ...olds, status: "ACTIVE", expiresAt: expired.expiresAt }, news())).changes).to.equal(false);
    });

    it("reads state written without a schema version and refuses state from a newer version", async () => {
      const { schemaVersion: _v, ...unversioned } = olds;
      expect((await lifecycle.diff("id", unversioned, news())).changes).to.equal(false);
      let message = "";
      await lifecycle.diff("id", { ...olds, schemaVersion: 99 }, news()).catch((e: Error) => (message = e.message));
      expect(message).to.contain("newer pulumi-astro-invites");
    });
  });
});
