import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { OrganizationRole } from "../roles";
import { validateEmail, validateRole } from "../invite/inputs";
import { normalizeEmail } from "../invite/schema";

/** One person of a team declaration, validated, and where it was declared (for error messages). */
export interface TeamMember {
  email: string;
  role: OrganizationRole;
  /** `team.txt:7` or `members[6]`. */
  source: string;
  /** Earlier declarations of this person's invite (see DeclaredMember). */
  aliases: string[];
}

export interface DeclaredMember {
  email: string;
  role?: string;
  /**
   * Where this person's invite was declared before it moved into this team, so that Pulumi moves its record
   * instead of creating a new invite and deleting the old one: the name of an `OrganizationUserInvite`
   * declared at the program's top level (`"jane"`), or the full URN of the earlier resource.
   */
  aliases?: string[];
}

/** At most this many problems are listed; a file of 100k bad lines gets a readable message. */
const MAX_LISTED_PROBLEMS = 50;

/** A team declaration that cannot be used; the message lists every problem (up to 50), each with its place. */
export class TeamDeclarationError extends Error {
  constructor(readonly problems: string[]) {
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
    const more = problems.length > listed.length ? [`and ${problems.length - listed.length} more`] : [];
    super(
      `The team declaration has ${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was sent:\n  ${[...listed, ...more].join("\n  ")}`,
    );
    this.name = "TeamDeclarationError";
  }
}

/**
 * Reads a team file: the format Astronomer's docs loop the CLI over (one `email ROLE` per line, ROLE
 * optional, blank lines and `#` comments allowed, also after a line's fields), or CSV with an `email,role` header. CRLF line endings
 * and a byte-order mark are fine.
 */
export function readTeamFile(path: string, defaultRole: OrganizationRole): TeamMember[] {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new TeamDeclarationError([`${path}: file not found (looked for ${absolute})`]);
  if (statSync(absolute).isDirectory())
    throw new TeamDeclarationError([`${path}: is a directory; name the team file inside it (looked at ${absolute})`]);
  return parseTeamFile(decodeTeamFile(readFileSync(absolute), path), path, defaultRole);
}

/** The file's text, if it is UTF-8 (a BOM is fine); other encodings are named rather than misread. */
function decodeTeamFile(bytes: Buffer, path: string): string {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  if (utf16) throw new TeamDeclarationError([`${path}: is UTF-16 encoded (it starts with a UTF-16 byte-order mark); save it as UTF-8`]);
  if (bytes.includes(0))
    throw new TeamDeclarationError([
      `${path}: contains NUL bytes, so it is not a UTF-8 text file (UTF-16 without a byte-order mark, or binary); save it as UTF-8`,
    ]);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new TeamDeclarationError([`${path}: is not valid UTF-8 text; save it as UTF-8`]);
  }
}

export function parseTeamFile(text: string, name: string, defaultRole: OrganizationRole): TeamMember[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const entries: Entry[] = [];
  const problems: Problem[] = [];
  let csv: boolean | undefined;
  lines.forEach((raw, index) => {
    // A "#" after whitespace starts a comment (`ada@example.com ORGANIZATION_OWNER # pending`); inside an
    // address it is a valid character.
    const line = raw.replace(/\s+#.*$/, "").trim();
    const source = `${name}:${index + 1}`;
    if (line === "" || line.startsWith("#")) return;
    if (csv === undefined) {
      csv = /^email\s*,\s*role$/i.test(line);
      if (csv) return;
    }
    const fields = csv ? line.split(",").map((field) => field.trim()) : line.split(/\s+/);
    if (fields.length > 2 || (csv && line.split(",").length !== 2)) {
      const shape = csv ? "email,role" : "email ROLE";
      problems.push({ order: index, text: `${source}: expected "${shape}", got ${JSON.stringify(line)}` });
      return;
    }
    entries.push({ declared: { email: fields[0], role: fields[1] || undefined }, source, order: index });
  });
  const members = validateMembers(entries, defaultRole, problems);
  if (members.length === 0 && problems.length === 0)
    problems.push({ order: 0, text: `${name}: no members declared (the file has no email lines)` });
  throwIfAny(problems);
  return members;
}

/** Validates members declared inline; their places are named `members[i]`. */
export function checkMembers(declared: DeclaredMember[], defaultRole: OrganizationRole): TeamMember[] {
  const problems: Problem[] = [];
  const members = validateMembers(
    declared.map((member, i) => ({ declared: member, source: `members[${i}]`, order: i })),
    defaultRole,
    problems,
  );
  throwIfAny(problems);
  return members;
}

interface Entry {
  declared: DeclaredMember;
  source: string;
  /** Position in the declaration, so that problems are listed in file order. */
  order: number;
}

interface Problem {
  order: number;
  text: string;
}

function throwIfAny(problems: Problem[]): void {
  if (problems.length) throw new TeamDeclarationError([...problems].sort((a, b) => a.order - b.order).map((p) => p.text));
}

function validateMembers(entries: Entry[], defaultRole: OrganizationRole, problems: Problem[]): TeamMember[] {
  const members: TeamMember[] = [];
  const firstSeen = new Map<string, string>();
  for (const { declared, source, order } of entries) {
    const email = validateEmail(declared.email ?? "");
    const role = validateRole(declared.role ?? defaultRole);
    const aliases: unknown = declared.aliases ?? [];
    const badAliases =
      !Array.isArray(aliases) || aliases.some((alias) => typeof alias !== "string" || alias.trim() === "")
        ? [`aliases must be a list of earlier resource names or URNs, got ${JSON.stringify(declared.aliases)}`]
        : [];
    const found = [...(Array.isArray(email) ? email : []), ...(Array.isArray(role) ? role : []), ...badAliases];
    if (found.length) {
      problems.push(...found.map((problem) => ({ order, text: `${source}: ${problem}` })));
      continue;
    }
    const normalized = normalizeEmail(email as string);
    const earlier = firstSeen.get(normalized);
    if (earlier) {
      problems.push({ order, text: `${source}: ${normalized} is declared twice (also at ${earlier}); emails are compared ignoring case` });
      continue;
    }
    firstSeen.set(normalized, source);
    members.push({ email: normalized, role: role as OrganizationRole, source, aliases: aliases as string[] });
  }
  return members;
}
