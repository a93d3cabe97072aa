import { Action, ACTIONS, MembershipChange } from "./changes";

export const FORMATS = ["markdown", "json", "text"] as const;
export type Format = (typeof FORMATS)[number];

/** How each action is counted in the one-line summary: singular and plural. */
const NOUNS: Record<Action, [string, string]> = {
  invite: ["invite", "invites"],
  "change-role": ["role change", "role changes"],
  reinvite: ["re-invite", "re-invites"],
  revoke: ["revocation", "revocations"],
  demote: ["demotion", "demotions"],
  leave: ["left as is", "left as is"],
  move: ["move", "moves"],
};

function summarize(changes: MembershipChange[]): { counts: Partial<Record<Action, number>>; text: string } {
  const counts: Partial<Record<Action, number>> = {};
  for (const change of changes) counts[change.action] = (counts[change.action] ?? 0) + 1;
  const parts = ACTIONS.filter((action) => counts[action]).map(
    (action) => `${counts[action]} ${NOUNS[action][counts[action] === 1 ? 0 : 1]}`,
  );
  return { counts, text: parts.length ? parts.join(", ") : "no membership changes" };
}

export function render(changes: MembershipChange[], format: Format): string {
  const summary = summarize(changes);
  if (format === "json")
    return `${JSON.stringify({ changes, summary: { ...summary.counts, total: changes.length, text: summary.text } }, null, 2)}\n`;
  if (format === "markdown") return markdown(changes, summary.text);
  return text(changes, summary.text);
}

function roleCell(change: MembershipChange): string {
  if (change.fromRole && change.toRole && change.fromRole !== change.toRole) return `${change.fromRole} → ${change.toRole}`;
  return change.toRole ?? change.fromRole ?? "";
}

function markdown(changes: MembershipChange[], summary: string): string {
  const head = `### Astro organization membership\n\n**${summary}**\n`;
  if (changes.length === 0) return `${head}\nThis preview changes no one's membership.\n`;
  const cell = (value: string) => value.replace(/\|/g, "\\|");
  const rows = changes.map(
    (c) => `| ${c.action} | ${cell(c.email)} | ${cell(roleCell(c))} | ${c.status ?? "new"} | ${cell(c.reason)} | \`${cell(c.resource)}\` |`,
  );
  return `${head}\n| action | email | role | status | why | resource |\n|---|---|---|---|---|---|\n${rows.join("\n")}\n`;
}

function text(changes: MembershipChange[], summary: string): string {
  if (changes.length === 0) return `${summary}\n`;
  const rows = changes.map((c) => [c.action, c.email, roleCell(c), c.status ?? "new", c.reason]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) => row.map((value, i) => (i < 4 ? value.padEnd(widths[i]) : value)).join("  "));
  return `${lines.join("\n")}\n\n${summary}\n`;
}
