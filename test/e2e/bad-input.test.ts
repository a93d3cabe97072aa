import { expect } from "chai";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Emulator, startEmulator } from "../../provider/emulator/server";
import { PulumiWorkspace, TEAM_PROGRAM } from "../../scripts/lib/workspace";
import { INVITES_PROGRAM } from "../support/stacks";

const ROLES =
  "\\[ORGANIZATION_OWNER, ORGANIZATION_BILLING_ADMIN, ORGANIZATION_OBSERVE_ADMIN, ORGANIZATION_OBSERVE_MEMBER, ORGANIZATION_MEMBER\\]";

interface Case {
  name: string;
  /** Stack config for the single-invite program, or a team file's text for the team program. */
  invite?: Record<string, string>;
  teamFile?: string | null;
  config?: Record<string, string | null>;
  secrets?: Record<string, string>;
  /** Where the error surfaces: preview (no network at all), or up (the API refused, nothing written). */
  command: "preview" | "up";
  error: RegExp;
}

const cases: Case[] = [
  {
    name: "empty email",
    invite: { email: "" },
    command: "preview",
    error: /property email .*email is required: the invitee's email address, such as jane@example\.com/,
  },
  {
    name: "email without @",
    invite: { email: "jane.example.com" },
    command: "preview",
    error: /property email .*must contain exactly one "@", such as jane@example\.com/,
  },
  {
    name: "email with spaces",
    invite: { email: "jane doe@example.com" },
    command: "preview",
    error: /property email .*must not contain spaces/,
  },
  {
    name: "email over 254 characters",
    invite: { email: `${"a".repeat(60)}@${"b".repeat(200)}.com` },
    command: "preview",
    error: /property email .*at most 254 characters, got 265/,
  },
  {
    name: "email with a leading dot",
    invite: { email: ".jane@example.com" },
    command: "preview",
    error: /property email .*invalid part before "@".*without leading, trailing or double dots/,
  },
  {
    name: "email with a trailing dot",
    invite: { email: "jane.@example.com" },
    command: "preview",
    error: /property email .*invalid part before "@"/,
  },
  { name: "email with two @", invite: { email: "jane@doe@example.com" }, command: "preview", error: /property email .*exactly one "@"/ },
  {
    name: "email without a top-level domain",
    invite: { email: "jane@example" },
    command: "preview",
    error: /property email .*invalid domain after "@" \(such as example\.com\)/,
  },
  {
    name: "lowercase role",
    invite: { email: "jane@example.com", role: "organization_owner" },
    command: "preview",
    error: new RegExp(
      `property role .*role must be one of ${ROLES}, got "organization_owner" \\(roles are upper case: ORGANIZATION_OWNER\\)`,
    ),
  },
  {
    name: "unknown role",
    invite: { email: "jane@example.com", role: "ORGANIZATION_ADMIN" },
    command: "preview",
    error: new RegExp(`property role .*role must be one of ${ROLES}, got "ORGANIZATION_ADMIN"`),
  },
  {
    name: "empty role",
    invite: { email: "jane@example.com", role: "" },
    command: "preview",
    error: new RegExp(`property role .*role must be one of ${ROLES}, got ""`),
  },
  {
    name: "unknown onDelete",
    invite: { email: "jane@example.com", onDelete: "remove" },
    command: "preview",
    error: /property onDelete .*must be one of \[demote, keep\], got "remove"/,
  },
  {
    name: "organization missing everywhere",
    invite: { email: "jane@example.com" },
    config: { "astro:organizationId": null },
    command: "preview",
    error: /organizationId is required: set the organizationId input, the stack config astro:organizationId .*ASTRO_ORGANIZATION_ID/,
  },
  {
    name: "malformed organization",
    invite: { email: "jane@example.com", organizationId: "acme-corp" },
    command: "preview",
    error:
      /property organizationId .*25 lowercase letters and digits starting with "c", such as clm9t0gbt000108jv4f1cfu8u\), got "acme-corp"/,
  },
  {
    name: "malformed organization from stack config",
    invite: { email: "jane@example.com" },
    config: { "astro:organizationId": "Acme" },
    command: "preview",
    error: /organizationId .*got "Acme" \(from stack config astro:organizationId\)/,
  },
  {
    name: "organization unknown to the API",
    invite: { email: "jane@example.com", organizationId: "cnosuchorg000000000000000" },
    command: "up",
    error:
      /No invite was sent to jane@example\.com: Astro API createInvite failed \(HTTP 404\): Organization cnosuchorg000000000000000 not found/,
  },
  {
    name: "apiUrl over plain http to a remote host",
    invite: { email: "jane@example.com", apiUrl: "http://api.astronomer.io/v1" },
    command: "preview",
    error: /property apiUrl .*must use https \(plain http is allowed only for loopback hosts/,
  },
  {
    name: "apiUrl that is not a URL",
    invite: { email: "jane@example.com", apiUrl: "api.astronomer.io" },
    command: "preview",
    error: /property apiUrl .*must be an absolute https URL such as https:\/\/api\.astronomer\.io\/v1/,
  },
  {
    name: "apiUrl with another scheme",
    invite: { email: "jane@example.com", apiUrl: "ftp://api.astronomer.io/v1" },
    command: "preview",
    error: /property apiUrl .*must be an https URL .*got scheme ftp/,
  },
  {
    name: "token missing",
    invite: { email: "jane@example.com" },
    secrets: {},
    command: "preview",
    error: /apiToken.*no Astro API token: set it with `pulumi config set --secret astro:apiToken <token>` or export ASTRO_API_TOKEN/,
  },
  {
    name: "token wrong",
    invite: { email: "jane@example.com" },
    secrets: { "astro:apiToken": "not-a-real-token" },
    command: "up",
    error:
      /HTTP 401.*The API token was rejected: check that it is a valid, unexpired Organization API token with the organization\.users\.create permission/,
  },
  {
    name: "token without rights on the organization",
    invite: { email: "jane@example.com" },
    secrets: { "astro:apiToken": "@other-org" },
    command: "up",
    error: /HTTP 403.*needs the organization\.users\.create permission on this organization/,
  },
  {
    name: "team file with emails differing only in case",
    teamFile: "ada@example.com\nADA@Example.com ORGANIZATION_OWNER\n",
    command: "preview",
    error: /team\.txt:2: ada@example\.com is declared twice \(also at \S*team\.txt:1\)/,
  },
  {
    name: "team file with a malformed line",
    teamFile: "ada@example.com ORGANIZATION_OWNER yes\n",
    command: "preview",
    error: /team\.txt:1: expected "email ROLE WORKSPACE_ID=ROLE \.\.\.", got "ada@example\.com ORGANIZATION_OWNER yes"/,
  },
  {
    name: "team file with an unknown role on line 7",
    teamFile: "# team\n\na@example.com\nb@example.com\nc@example.com\nd@example.com\ne@example.com ORGANIZATION_ADMIN\n",
    command: "preview",
    error: new RegExp(`team\\.txt:7: role must be one of ${ROLES}, got "ORGANIZATION_ADMIN"`),
  },
  {
    name: "team CSV with a malformed line",
    teamFile: "email,role\nada@example.com\n",
    command: "preview",
    error: /team\.txt:2: expected "email,role", got "ada@example\.com"/,
  },
  { name: "empty team file", teamFile: "", command: "preview", error: /team\.txt: no members declared/ },
  { name: "missing team file", teamFile: null, command: "preview", error: /team\.txt: file not found \(looked for .*team\.txt\)/ },
];

describe("bad input through the real CLI: the field or file line and what would be valid, and no write", function () {
  this.timeout(20 * 60_000);
  let emulator: Emulator;
  let invites: PulumiWorkspace;
  let team: PulumiWorkspace;
  const baseConfig = () => ({ "astro:organizationId": emulator.organizationId, "astro:apiUrl": emulator.apiUrl });

  before(async () => {
    emulator = await startEmulator();
    invites = new PulumiWorkspace(INVITES_PROGRAM);
    await invites.init({ ...baseConfig(), invites: "{}" }, { "astro:apiToken": emulator.token });
    team = new PulumiWorkspace(TEAM_PROGRAM);
    await team.init({ ...baseConfig(), file: join(team.projectDir, "team.txt") }, { "astro:apiToken": emulator.token });
  });
  after(async () => {
    invites.dispose();
    team.dispose();
    await emulator.stop();
  });

  it("has at least 25 cases", () => expect(cases.length).to.be.at.least(25));

  for (const testCase of cases) {
    it(testCase.name, async () => {
      const stack = testCase.teamFile !== undefined ? team : invites;
      if (testCase.teamFile !== undefined) {
        if (testCase.teamFile === null) await team.setConfig("file", join(team.projectDir, "missing", "team.txt"));
        else writeFileSync(join(team.projectDir, "team.txt"), testCase.teamFile);
      } else {
        await stack.setConfig("invites", JSON.stringify({ x: testCase.invite }));
      }
      for (const [key, value] of Object.entries(testCase.config ?? {})) {
        if (value === null) await stack.removeConfig(key);
        else await stack.setConfig(key, value);
      }
      if (testCase.secrets) {
        const token = testCase.secrets["astro:apiToken"];
        if (token === undefined) await stack.removeConfig("astro:apiToken");
        else await stack.setConfig("astro:apiToken", token === "@other-org" ? emulator.createToken("other", []) : token, true);
      }
      emulator.log.length = 0;
      try {
        const { code, output } = await stack.run([testCase.command, ...(testCase.command === "up" ? ["--yes"] : [])], {
          allowFailure: true,
        });
        expect(code, output).to.not.equal(0);
        expect(output, output).to.match(testCase.error);
        expect(output).not.to.contain(emulator.token);
        if (testCase.command === "preview") expect(emulator.log, "requests during preview").to.deep.equal([]);
        expect(emulator.organization().users, "users in the organization").to.deep.equal([]);
      } finally {
        for (const key of Object.keys(testCase.config ?? {}))
          await stack.setConfig(key, baseConfig()[key as keyof ReturnType<typeof baseConfig>]);
        if (testCase.secrets) await stack.setConfig("astro:apiToken", emulator.token, true);
        if (testCase.teamFile === null) await team.setConfig("file", join(team.projectDir, "team.txt"));
      }
    });
  }
});
