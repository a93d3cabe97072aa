import { Action, ACTIONS, MembershipChange } from "./changes";
import type { TeamChange } from "./teams";

export const FORMATS = ["markdown", "json", "text"] as const;
export type Format = (typeof FORMATS)[number];

/** How each action is counted in the one-line summary: singular and plural. */
const NOUNS: Record<Action, [string, string]> = {
  invite: ["invite", "invites"],
  record: ["unconfirmed invite looked up", "unconfirmed invites looked up"],
  "change-role": ["role change", "role changes"],
  reinvite: ["re-invite", "re-invites"],
  rehost: ["API URL change", "API URL changes"],
  revoke: ["revocation", "revocations"],
  demote: ["demotion", "demotions"],
  restore: ["role restored", "roles restored"],
  leave: ["left as is", "left as is"],
  move: ["move", "moves"],
  handover: ["hand-over", "hand-overs"],
  workspace: ["workspace role change", "workspace role changes"],
  deployment: ["Deployment role change", "Deployment role changes"],
  dag: ["DAG role change", "DAG role changes"],
  team: ["Team joined or left", "Teams joined or left"],
};

function summarize(changes: MembershipChange[]): { counts: Partial<Record<Action, number>>; text: string } {
  const counts: Partial<Record<Action, number>> = {};
  for (const change of changes) counts[change.action] = (counts[change.action] ?? 0) + 1;
  const parts = ACTIONS.filter((action) => counts[action]).map(
    (action) => `${counts[action]} ${NOUNS[action][counts[action] === 1 ? 0 : 1]}`,
  );
  return { counts, text: parts.length ? parts.join(", ") : "no membership changes" };
}

/** Said under the summary of a preview that did not refresh first. */
const STALE =
  "Statuses are those of the stack's last refresh: run `pulumi preview --refresh --json` for who accepted, whose invite expired and roles changed outside the stack.";

export function render(
  changes: MembershipChange[],
  format: Format,
  { refreshed }: { refreshed: boolean },
  teams: TeamChange[] = [],
): string {
  const summary = summarize(changes);
  const teamSummary = teams.length ? `; ${teams.length} Team change${teams.length === 1 ? "" : "s"}` : "";
  if (format === "json") {
    const counts = { ...summary.counts, total: changes.length, text: `${summary.text}${teamSummary}` };
    return `${JSON.stringify({ changes, teams, summary: counts, refreshed }, null, 2)}\n`;
  }
  const note = refreshed || changes.length === 0 ? "" : STALE;
  if (format === "markdown") return markdown(changes, `${summary.text}${teamSummary}`, note) + teamsMarkdown(teams);
  return text(changes, `${summary.text}${teamSummary}`, note) + teamsText(teams);
}

/** Who gains what through a Team change, in one cell: "ana@x.io: ORGANIZATION_OWNER; bo@x.io: WORKSPACE_OPERATOR in w1". */
function gainsCell(change: TeamChange): string {
  const gains = change.gains.map((g) => `${g.email}: ${g.role}${g.where ? ` in ${g.where}` : ""}`);
  const hidden = change.unknown.length ? [`${change.unknown.join(" and ")} not shown`] : [];
  return [...gains, ...hidden].join("; ") || "no one";
}

function teamsMarkdown(teams: TeamChange[]): string {
  if (teams.length === 0) return "";
  const cell = (value: string) => value.replace(/\|/g, "\\|");
  const rows = teams.map((t) => `| ${t.action} | ${cell(t.team)} | ${cell(gainsCell(t))} | ${cell(t.reason)} | \`${cell(t.resource)}\` |`);
  return `\n### Astro Teams\n\n| Team step | Team | who gains what | why | resource |\n|---|---|---|---|---|\n${rows.join("\n")}\n`;
}

function teamsText(teams: TeamChange[]): string {
  if (teams.length === 0) return "";
  return `\nTeams:\n${teams.map((t) => `  ${t.action}  ${t.team}  gains: ${gainsCell(t)}  (${t.reason})`).join("\n")}\n`;
}

function roleCell(change: MembershipChange): string {
  if (change.fromRole && change.toRole && change.fromRole !== change.toRole) return `${change.fromRole} → ${change.toRole}`;
  return change.toRole ?? change.fromRole ?? "";
}

function markdown(changes: MembershipChange[], summary: string, note: string): string {
  const head = `### Astro organization membership\n\n**${summary}**\n${note ? `\n${note}\n` : ""}`;
  if (changes.length === 0) return `${head}\nThis preview changes no one's membership.\n`;
  const cell = (value: string) => value.replace(/\|/g, "\\|");
  const rows = changes.map(
    (c) => `| ${c.action} | ${cell(c.email)} | ${cell(roleCell(c))} | ${c.status ?? "new"} | ${cell(c.reason)} | \`${cell(c.resource)}\` |`,
  );
  return `${head}\n| action | email | role | status | why | resource |\n|---|---|---|---|---|---|\n${rows.join("\n")}\n`;
}

function text(changes: MembershipChange[], summary: string, note: string): string {
  if (changes.length === 0) return `${summary}\n`;
  const rows = changes.map((c) => [c.action, c.email, roleCell(c), c.status ?? "new", c.reason]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) => row.map((value, i) => (i < 4 ? value.padEnd(widths[i]) : value)).join("  "));
  return `${lines.join("\n")}\n\n${summary}\n${note ? `${note}\n` : ""}`;
}
