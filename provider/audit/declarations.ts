import { spawn } from "node:child_process";
import { z } from "zod";
import { emailKey } from "../api/schemas";
import { INVITE_TYPE } from "../invite/resource-type";
import { DagRoleSchema } from "../invite/schema";
import { TEAM_TYPE } from "../team/resource-type";
import { DEFAULT_ROLE } from "../roles";

/**
 * What stacks declare, read from their state (a `pulumi stack export`): each invite's declared inputs as
 * check left them (email, role, workspace, Deployment and DAG roles, organization). The audit compares these with what the
 * organization grants; it never needs the token or anything else the state holds.
 */

/** Where a declaration is: which stack (`stack dev` or the state file's path) and the Pulumi resource name. */
interface Place {
  source: string;
  resource: string;
}

/** One person as one stack declares them. */
export type PersonDeclaration = Place & z.infer<typeof DeclaredSchema>;

/** One Team as one stack declares it (its Astro id from the state, once created or adopted). */
export type TeamDeclaration = Place & { teamId: string } & z.infer<typeof DeclaredTeamSchema>;

export interface StackDeclarations {
  source: string;
  people: PersonDeclaration[];
  teams: TeamDeclaration[];
  /** Invites whose declaration the audit cannot read (kept as secrets): each named, never skipped in silence. */
  unreadable: string[];
}

/** A stack or state file that cannot be read at all: the audit stops, naming it. */
export class DeclarationsError extends Error {}

/** How Pulumi marks a secret in exported state; `plaintext` only with `--show-secrets`. */
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";
const isSecret = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && SECRET_SIGNATURE in value;

const ResourceSchema = z.object({
  urn: z.string(),
  type: z.string(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  outputs: z.record(z.string(), z.unknown()).optional(),
  /** A resource Pulumi is about to delete (replaced): no longer a declaration. */
  delete: z.boolean().optional(),
});
/** The parts of `pulumi stack export` the audit reads. A stack never updated has no resources. */
const ExportSchema = z.object({
  deployment: z.object({ resources: z.array(ResourceSchema).nullish() }),
});

/** Roles below the organization, as a declaration holds them (a version before Deployment roles had none). */
const SCOPED_ROLES = {
  workspaceRoles: z.record(z.string(), z.string()).default({}),
  deploymentRoles: z.record(z.string(), z.string()).default({}),
  dagRoles: z.array(DagRoleSchema).default([]),
};

/** The invite's declared fields, as check leaves them in state. */
const DeclaredSchema = z.object({
  email: z.string().min(1),
  organizationId: z.string().min(1),
  role: z.string().default(DEFAULT_ROLE),
  ...SCOPED_ROLES,
});
const DECLARED_FIELDS = Object.keys(DeclaredSchema.shape) as (keyof z.infer<typeof DeclaredSchema>)[];

/** The Team's declared fields (its id comes from the outputs). */
const DeclaredTeamSchema = z.object({
  name: z.string().min(1),
  organizationId: z.string().min(1),
  organizationRole: z.string().default(DEFAULT_ROLE),
  ...SCOPED_ROLES,
  /** The whole member list the stack owns, or null when it does not own it. */
  members: z.array(z.string()).nullable().default(null),
});
const DECLARED_TEAM_FIELDS = Object.keys(DeclaredTeamSchema.shape) as (keyof z.infer<typeof DeclaredTeamSchema>)[];

/** The declarations in one `pulumi stack export` document. */
export function declarationsIn(text: string, source: string): StackDeclarations {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DeclarationsError(`${source} is not JSON (${(error as Error).message}); give the output of \`pulumi stack export\``);
  }
  const parsed = ExportSchema.safeParse(json);
  if (!parsed.success) {
    const problem = parsed.error.issues.map((i) => `${i.path.join(".") || "the document"}: ${i.message}`).join("; ");
    throw new DeclarationsError(`${source} is not the output of \`pulumi stack export\`: ${problem}`);
  }
  const people: PersonDeclaration[] = [];
  const teams: TeamDeclaration[] = [];
  const unreadable: string[] = [];
  for (const resource of parsed.data.deployment.resources ?? []) {
    if (resource.delete || (resource.type !== INVITE_TYPE && resource.type !== TEAM_TYPE)) continue;
    const name = resource.urn.split("::").pop() ?? resource.urn;
    const inputs = resource.inputs ?? {};
    const what = resource.type === INVITE_TYPE ? "invite" : "Team";
    const fields: string[] = resource.type === INVITE_TYPE ? DECLARED_FIELDS : DECLARED_TEAM_FIELDS;
    const hidden = fields.filter((field) => isSecret(inputs[field]) && !("plaintext" in inputs[field]));
    if (hidden.length) {
      unreadable.push(
        `${source}: ${what} ${name} keeps its ${hidden.join(" and ")} as a secret, so whom or what it declares is not known ` +
          "(export the state with `pulumi stack export --show-secrets` and pass it with --state)",
      );
      continue;
    }
    const shown = Object.fromEntries(Object.entries(inputs).map(([key, value]) => [key, revealed(value)]));
    const declared = resource.type === INVITE_TYPE ? DeclaredSchema.safeParse(shown) : DeclaredTeamSchema.safeParse(shown);
    if (!declared.success) {
      unreadable.push(
        `${source}: ${what} ${name} has no readable declaration (${declared.error.issues.map((i) => i.path.join(".")).join(", ")})`,
      );
    } else if ("email" in declared.data) {
      people.push({ source, resource: name, ...declared.data, email: emailKey(declared.data.email) });
    } else {
      const teamId = typeof resource.outputs?.teamId === "string" ? resource.outputs.teamId : "";
      teams.push({ source, resource: name, teamId, ...declared.data, members: declared.data.members?.map(emailKey) ?? null });
    }
  }
  return { source, people, teams, unreadable };
}

/** A secret exported with `--show-secrets` holds its value as JSON text. */
function revealed(value: unknown): unknown {
  if (!isSecret(value) || typeof value.plaintext !== "string") return value;
  try {
    return JSON.parse(value.plaintext);
  } catch {
    return value.plaintext;
  }
}

/**
 * A stack of the current Pulumi project, read as `pulumi stack export --stack NAME` prints it (secrets stay
 * encrypted: the audit decrypts nothing).
 */
export async function readStack(stack: string, say: (line: string) => void): Promise<StackDeclarations> {
  say(`reading stack ${stack} through the Pulumi CLI (pulumi stack export)`);
  const { code, stdout, stderr } = await run("pulumi", ["stack", "export", "--stack", stack]);
  if (code !== 0) {
    const why = stderr.trim().split("\n").pop() || `exit ${code}`;
    throw new DeclarationsError(`cannot read stack ${stack} through the Pulumi CLI (in ${process.cwd()}): ${why}`);
  }
  return declarationsIn(stdout, `stack ${stack}`);
}

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("error", (error) => resolve({ code: 127, stdout, stderr: `${command}: ${error.message} (is the Pulumi CLI on PATH?)` }));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
