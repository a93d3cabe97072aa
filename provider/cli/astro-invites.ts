#!/usr/bin/env node
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { AstroClient } from "../api/client";
import { AstroApiError } from "../api/errors";
import { apiUrlProblem, DEFAULT_API_URL, normalizeApiUrl } from "../api/url";
import { ASTRO_CUID, validateOrganizationId } from "../invite/inputs";
import { ENV_VARS } from "../settings";
import { EXPORT_FORMATS, ExportFormat, readMembers, readTeams, readScopedAccess, renderMembers } from "../export/members";
import { grants, MembershipChange, membershipChanges, PreviewError, PreviewSchema, refreshed } from "../review/changes";
import { Format, FORMATS, render } from "../review/format";
import { joinGrants, TeamChange, teamChanges, teamGrants, teamRolesByName } from "../review/teams";
import { audit } from "../audit/audit";
import { ALLOW_SYNTAX, AllowFileError, parseAllowFile } from "../audit/allow";
import { declarationsIn, DeclarationsError, readStack } from "../audit/declarations";
import { AUDIT_FORMATS, AuditFormat, FAIL_ON, gated, renderReport, REPORT_VERSION } from "../audit/report";
import { emailKey } from "../api/schemas";
import { NAMED_ROLES } from "../roles";

const REVIEW_USAGE = `  astro-invites review [FILE] [--format markdown|json|text] [--deny-role ROLE]...
      What a \`pulumi preview --json\` or \`pulumi destroy --preview-only --json\` (FILE, or standard
      input) would do to people: invites, role changes, re-invites, revocations, demotions, moves.
      Reads only the preview: no token, no network.
      --deny-role ROLE   exit 3 when any change may grant ROLE (repeatable: an organization, workspace,
                         Deployment or DAG role, or a custom role's id), to a person or through a Team
                         (each member who gains it counts); a role or member list the preview does not
                         show (unknown until apply, or secret) counts as a possible grant
      e.g. pulumi preview --refresh --json | npx astro-invites review > comment.md`;

const EXPORT_USAGE = `  astro-invites export [--format team|csv|ts] [--active-only] [--only EMAIL]... [--organization-id ID] [--api-url URL] [--output FILE]
      The organization's current members as a member file (default), CSV, or an OrganizationUserInvites
      program with a Team for each of its Teams (ts), to declare an existing organization. Token from ${ENV_VARS.apiToken}; organization from
      --organization-id or ${ENV_VARS.organizationId}; API URL from --api-url or ${ENV_VARS.apiUrl}.
      --active-only      leave out pending invitees (listed with a "# pending" comment otherwise)
      --only EMAIL       only these people (repeatable, or comma-separated): what an audit found, to adopt`;

const AUDIT_USAGE = `  astro-invites audit (--stack NAME | --state FILE)... [--format text|markdown|json] [--fail-on owner|any]
                      [--allow FILE] [--organization-id ID] [--api-url URL]
      Who has access to the organization that no stack declares: people, roles above a declaration,
      workspace, Deployment and DAG roles of a person's own, Teams. Reads the organization with list
      calls only (token from ${ENV_VARS.apiToken}: organization.users.get, organization.workspaces.get,
      organization.deployments.get, organization.teams.get) and what the stacks declare:
      --stack NAME       a stack of the Pulumi project in the current directory (pulumi stack export;
                         secrets stay encrypted); repeatable
      --state FILE       a \`pulumi stack export\` file; repeatable
      --fail-on owner    exit 3 on any unmanaged Organization or Workspace Owner; --fail-on any: on any finding
      --allow FILE       accepted exceptions, one a line: ${ALLOW_SYNTAX}
      --format json      the documented report, version ${REPORT_VERSION}`;

const EXIT_CODES =
  "Exit codes: 0 done, 2 bad input (the message names it), 3 a denied role may be granted (review) or a --fail-on finding (audit), 4 the audit could not read everything it needs, 1 anything else.";
const USAGE = `astro-invites: tools for the people who review and start Astro membership stacks

${REVIEW_USAGE}

${EXPORT_USAGE}

${AUDIT_USAGE}

${EXIT_CODES}`;

/** A problem with what the user gave us: one line, exit 2. */
class InputError extends Error {}

const HELP = ["--help", "-h", "help"];

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const asksHelp = rest.some((arg) => HELP.includes(arg));
  if (command === "review") return asksHelp ? usage(`${REVIEW_USAGE}\n\n${EXIT_CODES}`) : review(rest);
  if (command === "export") return asksHelp ? usage(`${EXPORT_USAGE}\n\n${EXIT_CODES}`) : exportMembers(rest);
  if (command === "audit") return asksHelp ? usage(`${AUDIT_USAGE}\n\n${EXIT_CODES}`) : auditOrganization(rest);
  if (command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return 2;
  }
  if (HELP.includes(command)) return usage(USAGE);
  throw new InputError(`unknown command ${JSON.stringify(command)}: the commands are review, export and audit (astro-invites --help)`);
}

function usage(text: string): number {
  process.stdout.write(`${text}\n`);
  return 0;
}

async function review(args: string[]): Promise<number> {
  const { values, positionals } = parse(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: { format: { type: "string", default: "markdown" }, "deny-role": { type: "string", multiple: true, default: [] } },
    }),
  );
  const format: Format = oneOf("--format", values.format, FORMATS);
  // A custom Deployment or DAG role is named by its id.
  const denied = values["deny-role"].map((role) => (ASTRO_CUID.test(role) ? role : oneOf("--deny-role", role, NAMED_ROLES)));
  if (positionals.length > 1) throw new InputError(`review reads one preview, got ${positionals.length} files`);
  const [file] = positionals;
  const source = file ?? "standard input";
  const text = file ? readInput(file) : await readStdin();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${source} is not JSON (${(error as Error).message}); give the output of \`pulumi preview --json\``);
  }
  const parsed = PreviewSchema.safeParse(json);
  if (!parsed.success) {
    throw new InputError(
      `${source} is not the output of \`pulumi preview --json\`: ${parsed.error.issues.map((i) => `${i.path.join(".") || "the document"} ${i.message}`).join("; ")}`,
    );
  }
  const failed = (parsed.data.diagnostics ?? []).find((d) => d.severity === "error");
  if (failed)
    throw new InputError(`the preview in ${source} failed, so it shows no complete plan: ${(failed.message ?? "").trim().split("\n")[0]}`);
  let changes: MembershipChange[];
  let teams: TeamChange[];
  try {
    changes = membershipChanges(parsed.data);
    teams = teamChanges(parsed.data);
  } catch (error) {
    if (error instanceof PreviewError) throw new InputError(`${source}: ${error.message}`);
    throw error;
  }
  process.stdout.write(render(changes, format, { refreshed: refreshed(parsed.data) }, teams));
  const joined = teamRolesByName(parsed.data);
  const granted = denied.flatMap((role) => [
    ...grants(changes, role).map((change) => describeGrant(change, role)),
    ...teamGrants(teams, role),
    ...joinGrants(changes, joined, role),
  ]);
  if (granted.length === 0) return 0;
  process.stderr.write(`astro-invites review: denied role may be granted: ${granted.join(", ")}\n`);
  return 3;
}

function describeGrant(change: MembershipChange, role: string): string {
  if (!change.unknown.includes("role")) return `${change.email} (${change.action} to ${change.toRole})`;
  return `${change.email} (${change.action} with a role ${change.toRole?.replace(/[()]/g, "")}, so possibly ${role})`;
}

async function exportMembers(args: string[]): Promise<number> {
  const { values } = parse(() =>
    parseArgs({
      args,
      options: {
        format: { type: "string", default: "team" },
        "active-only": { type: "boolean", default: false },
        only: { type: "string", multiple: true, default: [] },
        ...CONNECTION_OPTIONS,
        output: { type: "string" },
      },
    }),
  );
  const format: ExportFormat = oneOf("--format", values.format, EXPORT_FORMATS);
  const { client, organizationId, apiUrl } = connect(values, "organization.users.get");
  const only = new Set(
    values.only
      .flatMap((list) => list.split(","))
      .map(emailKey)
      .filter(Boolean),
  );

  const say = (line: string) => process.stderr.write(`astro-invites export: ${line}\n`);
  say(`reading the users of organization ${organizationId} from ${apiUrl}`);
  const everyone = await readMembers(client, organizationId, (read, total, pages) =>
    say(`page ${pages}: ${read} users so far, of ${total}`),
  );
  const users = only.size ? everyone.filter((user) => only.has(emailKey(user.username))) : everyone;
  const missing = [...only].filter((email) => !users.some((user) => emailKey(user.username) === email));
  if (missing.length) throw new InputError(`--only names ${missing.join(", ")}, not a user of organization ${organizationId}`);
  say("reading the workspaces and Deployments and who has a role of their own in each");
  const access = await readScopedAccess(client, organizationId, say, only.size ? new Set(users.map((user) => user.id)) : undefined);
  // With --only, the people asked for: the organization's Teams are not theirs to declare.
  const teams = only.size ? [] : await readTeams(client, organizationId, say);
  const text = renderMembers(users, organizationId, { format, activeOnly: values["active-only"] }, access, teams);
  if (values.output) {
    writeFileSync(values.output, text);
    say(`wrote ${users.length} users to ${values.output}`);
  } else {
    process.stdout.write(text);
  }
  return 0;
}

async function auditOrganization(args: string[]): Promise<number> {
  const { values, tokens } = parse(() =>
    parseArgs({
      args,
      tokens: true,
      options: {
        stack: { type: "string", multiple: true, default: [] },
        state: { type: "string", multiple: true, default: [] },
        format: { type: "string", default: "text" },
        "fail-on": { type: "string" },
        allow: { type: "string" },
        ...CONNECTION_OPTIONS,
      },
    }),
  );
  const format: AuditFormat = oneOf("--format", values.format, AUDIT_FORMATS);
  const failOn = values["fail-on"] === undefined ? undefined : oneOf("--fail-on", values["fail-on"], FAIL_ON);
  if (values.stack.length + values.state.length === 0) {
    throw new InputError("audit holds the organization against what stacks declare: give at least one --stack NAME or --state FILE");
  }
  const allow = values.allow ? guarded(() => parseAllowFile(readInput(values.allow!), values.allow!), AllowFileError) : [];
  const say = (line: string) => process.stderr.write(`astro-invites audit: ${line}\n`);
  // In the order given, so that the report lists the sources as the command line does.
  const sources = tokens.flatMap((token) => (token.kind === "option" && (token.name === "stack" || token.name === "state") ? [token] : []));
  const stacks = await Promise.all(
    sources.map((source) =>
      source.name === "state"
        ? guarded(() => declarationsIn(readInput(source.value!), source.value!), DeclarationsError)
        : guardedAsync(() => readStack(source.value!, say), DeclarationsError),
    ),
  );
  const { client, organizationId } = connect(
    values,
    "organization.users.get, organization.workspaces.get, organization.deployments.get and organization.teams.get",
  );
  const report = await audit({ client, organizationId, stacks, allow, now: new Date(), say });
  process.stdout.write(renderReport(report, format));
  const failing = gated(report, failOn);
  if (failing.length) {
    process.stderr.write(
      `astro-invites audit: --fail-on ${failOn}: ${failing.map((f) => `${f.kind === "team" ? `Team ${f.who}` : f.who} (${f.kind})`).join(", ")}\n`,
    );
    return 3;
  }
  if (!report.complete) {
    process.stderr.write(`astro-invites audit: incomplete, not a clean organization: ${report.notAudited.join("; ")}\n`);
    return 4;
  }
  return 0;
}

const CONNECTION_OPTIONS = { "organization-id": { type: "string" }, "api-url": { type: "string" } } as const;

/** The token, organization and API URL from flags and the environment, checked before anything is sent. */
function connect(values: { "organization-id"?: string; "api-url"?: string }, permissions: string) {
  const token = process.env[ENV_VARS.apiToken];
  if (!token)
    throw new InputError(`no Astro API token: export ${ENV_VARS.apiToken}=<token> (an Organization API token with ${permissions})`);
  const organization = values["organization-id"] ?? process.env[ENV_VARS.organizationId];
  if (!organization) throw new InputError(`no organization: pass --organization-id <id> or export ${ENV_VARS.organizationId}=<id>`);
  const organizationId = validateOrganizationId(organization);
  if (Array.isArray(organizationId)) throw new InputError(organizationId.join("; "));
  const apiUrl = normalizeApiUrl(values["api-url"] ?? process.env[ENV_VARS.apiUrl] ?? DEFAULT_API_URL);
  const problem = apiUrlProblem(apiUrl);
  if (problem) throw new InputError(`the API URL ${problem}`);
  return { client: new AstroClient({ token, baseUrl: apiUrl }), organizationId, apiUrl };
}

/** Runs `read`, turning its errors of class `kind` (bad input the user gave) into input errors. */
function guarded<T>(read: () => T, kind: new (...args: never[]) => Error): T {
  try {
    return read();
  } catch (error) {
    throw error instanceof kind ? new InputError(error.message) : error;
  }
}

async function guardedAsync<T>(read: () => Promise<T>, kind: new (...args: never[]) => Error): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw error instanceof kind ? new InputError(error.message) : error;
  }
}

/** parseArgs, its complaints (an unknown flag, a missing value) turned into input errors. */
function parse<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new InputError(`${(error as Error).message} (astro-invites --help)`);
  }
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const hint =
    flag === "--deny-role" && NAMED_ROLES.includes(value.toUpperCase() as never) ? ` (roles are upper case: ${value.toUpperCase()})` : "";
  throw new InputError(`${flag} must be one of [${allowed.join(", ")}], got ${JSON.stringify(value)}${hint}`);
}

function readInput(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(
      `cannot read ${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (error as Error).message}`,
    );
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new InputError("give a preview file, or pipe one in: pulumi preview --json | astro-invites review");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

// The exit code is set, never forced with process.exit: a large review piped into a comment is written whole first.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const input = error instanceof InputError || (error instanceof AstroApiError && [400, 401, 403, 404].includes(error.status ?? 0));
    // One line, whatever the underlying message looked like (JSON.parse's quote the input across lines).
    process.stderr.write(`astro-invites: ${(error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ")}\n`);
    process.exitCode = input ? 2 : 1;
  },
);
