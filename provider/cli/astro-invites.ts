#!/usr/bin/env node
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { AstroClient } from "../api/client";
import { AstroApiError } from "../api/errors";
import { apiUrlProblem, DEFAULT_API_URL, normalizeApiUrl } from "../api/url";
import { validateOrganizationId } from "../invite/inputs";
import { ENV_VARS } from "../invite/settings";
import { EXPORT_FORMATS, ExportFormat, readMembers, renderMembers } from "../export/members";
import { grants, membershipChanges, PreviewSchema } from "../review/changes";
import { Format, FORMATS, render } from "../review/format";
import { isOrganizationRole, ORGANIZATION_ROLES } from "../roles";

const USAGE = `astro-invites: tools for the people who review and start Astro membership stacks

  astro-invites review [FILE] [--format markdown|json|text] [--deny-role ROLE]...
      What a \`pulumi preview --json\` (FILE, or standard input) would do to people: invites, role
      changes, re-invites, revocations, demotions, moves. Reads only the preview: no token, no network.
      --deny-role ROLE   exit 3 when any change grants ROLE (repeatable)
      e.g. pulumi preview --refresh --json | npx astro-invites review > comment.md

  astro-invites export [--format team|csv|ts] [--active-only] [--organization-id ID] [--api-url URL] [--output FILE]
      The organization's current members as a team file (default), CSV, or an OrganizationUserInvites
      program, to declare an existing organization. Token from ${ENV_VARS.apiToken}; organization from
      --organization-id or ${ENV_VARS.organizationId}; API URL from --api-url or ${ENV_VARS.apiUrl}.
      --active-only      leave out pending invitees (listed with a "# pending" comment otherwise)

Exit codes: 0 done, 2 bad input (the message names it), 3 a denied role is granted, 1 anything else.`;

/** A problem with what the user gave us: one line, exit 2. */
class InputError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "review") return review(rest);
  if (command === "export") return exportMembers(rest);
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  throw new InputError(`unknown command ${JSON.stringify(command)}: the commands are review and export (astro-invites --help)`);
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
  const denied = values["deny-role"].map((role) => oneOf("--deny-role", role, ORGANIZATION_ROLES));
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
  const changes = membershipChanges(parsed.data);
  process.stdout.write(render(changes, format));
  const granted = denied.flatMap((role) => grants(changes, role));
  if (granted.length === 0) return 0;
  process.stderr.write(
    `astro-invites review: denied role granted: ${granted.map((c) => `${c.email} (${c.action} to ${c.toRole})`).join(", ")}\n`,
  );
  return 3;
}

async function exportMembers(args: string[]): Promise<number> {
  const { values } = parse(() =>
    parseArgs({
      args,
      options: {
        format: { type: "string", default: "team" },
        "active-only": { type: "boolean", default: false },
        "organization-id": { type: "string" },
        "api-url": { type: "string" },
        output: { type: "string" },
      },
    }),
  );
  const format: ExportFormat = oneOf("--format", values.format, EXPORT_FORMATS);
  const token = process.env[ENV_VARS.apiToken];
  if (!token)
    throw new InputError(`no Astro API token: export ${ENV_VARS.apiToken}=<token> (an Organization API token with organization.users.get)`);
  const organization = values["organization-id"] ?? process.env[ENV_VARS.organizationId];
  if (!organization) throw new InputError(`no organization: pass --organization-id <id> or export ${ENV_VARS.organizationId}=<id>`);
  const organizationId = validateOrganizationId(organization);
  if (Array.isArray(organizationId)) throw new InputError(organizationId.join("; "));
  const apiUrl = normalizeApiUrl(values["api-url"] ?? process.env[ENV_VARS.apiUrl] ?? DEFAULT_API_URL);
  const problem = apiUrlProblem(apiUrl);
  if (problem) throw new InputError(`the API URL ${problem}`);

  const say = (line: string) => process.stderr.write(`astro-invites export: ${line}\n`);
  say(`reading the users of organization ${organizationId} from ${apiUrl}`);
  const users = await readMembers(new AstroClient({ token, baseUrl: apiUrl }), organizationId, (read, total, pages) =>
    say(`page ${pages}: ${read} users so far, of ${total}`),
  );
  const text = renderMembers(users, organizationId, { format, activeOnly: values["active-only"] });
  if (values.output) {
    writeFileSync(values.output, text);
    say(`wrote ${users.length} users to ${values.output}`);
  } else {
    process.stdout.write(text);
  }
  return 0;
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
  const hint = flag === "--deny-role" && isOrganizationRole(value.toUpperCase()) ? ` (roles are upper case: ${value.toUpperCase()})` : "";
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const input = error instanceof InputError || (error instanceof AstroApiError && [400, 401, 403, 404].includes(error.status ?? 0));
    // One line, whatever the underlying message looked like (JSON.parse's quote the input across lines).
    process.stderr.write(`astro-invites: ${(error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ")}\n`);
    process.exit(input ? 2 : 1);
  },
);
