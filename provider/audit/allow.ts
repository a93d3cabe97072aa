import { emailKey } from "../api/schemas";
import type { Finding } from "./findings";

/**
 * Accepted exceptions: access the organization keeps outside code on purpose (a break-glass account, a
 * service user), each with its reason and, optionally, the last day it is accepted. One per line:
 *
 *     breakglass@example.com: break-glass account, credentials in the vault
 *     team "Data Platform" until 2027-01-31: moves to code with the Teams work
 *
 * Blank lines and `#` comments are fine. An entry covers every finding about that person or Team.
 */
export interface AllowEntry {
  /** An email (compared ignoring case), or a Team's exact name. */
  who: string;
  kind: "person" | "team";
  /** The last day (UTC, YYYY-MM-DD) it is accepted; none: for good. */
  until?: string;
  reason: string;
  line: number;
}

export const ALLOW_SYNTAX = `EMAIL [until YYYY-MM-DD]: REASON  or  team "NAME" [until YYYY-MM-DD]: REASON`;

/** A malformed allow file: every problem with its line, nothing audited against it. */
export class AllowFileError extends Error {}

const ENTRY = /^(?:team\s+"(?<team>[^"]+)"|(?<email>[^\s:"]+@[^\s:"]+))(?:\s+until\s+(?<until>[^\s:]+))?\s*(?<colon>:)?\s*(?<reason>.*)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseAllowFile(text: string, file: string): AllowEntry[] {
  const entries: AllowEntry[] = [];
  const problems: string[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const content = raw.trim();
    if (content === "" || content.startsWith("#")) continue;
    const parsed = parseEntry(content, index + 1, entries);
    if (typeof parsed === "string") problems.push(`${file}:${index + 1}: ${parsed}`);
    else entries.push(parsed);
  }
  if (problems.length)
    throw new AllowFileError(`the allow file has ${problems.length} problem${problems.length === 1 ? "" : "s"}: ${problems.join("; ")}`);
  return entries;
}

/** One entry, or what is wrong with it. */
function parseEntry(content: string, line: number, earlier: AllowEntry[]): AllowEntry | string {
  const match = ENTRY.exec(content)?.groups;
  if (!match) return `expected ${ALLOW_SYNTAX}, got ${JSON.stringify(content)}`;
  if (!match.colon || match.reason.trim() === "") return `an exception needs a reason after ":" (${ALLOW_SYNTAX})`;
  if (match.until !== undefined && !isDate(match.until)) return `until must be a date YYYY-MM-DD, got ${JSON.stringify(match.until)}`;
  const kind = match.team !== undefined ? "team" : "person";
  const who = kind === "team" ? match.team : emailKey(match.email);
  const same = earlier.find((entry) => entry.kind === kind && entry.who === who);
  if (same) return `${who} is already allowed on line ${same.line}`;
  return { who, kind, until: match.until, reason: match.reason.trim(), line };
}

function isDate(text: string): boolean {
  const parts = DATE.exec(text);
  if (!parts) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.getUTCDate() === Number(parts[3]) && date.getUTCMonth() + 1 === Number(parts[2]);
}

export interface Allowed {
  finding: Finding;
  entry: AllowEntry;
}

/** A finding reported, with the allow entry that no longer covers it when one expired. */
export type Reported = Finding & { allowExpired?: { line: number; until: string; reason: string } };

/** Splits findings into those reported (expired exceptions among them, saying so) and those an entry allows. */
export function applyAllow(findings: Finding[], entries: AllowEntry[], now: Date): { reported: Reported[]; allowed: Allowed[] } {
  const reported: Reported[] = [];
  const allowed: Allowed[] = [];
  const today = now.toISOString().slice(0, 10);
  for (const finding of findings) {
    const kind = finding.kind === "team" ? "team" : "person";
    const entry = entries.find((e) => e.kind === kind && e.who === finding.who);
    if (!entry) reported.push(finding);
    else if (entry.until !== undefined && entry.until < today)
      reported.push({ ...finding, allowExpired: { line: entry.line, until: entry.until, reason: entry.reason } });
    else allowed.push({ finding, entry });
  }
  return { reported, allowed };
}
