import type { AstroClient } from "../api/client";
import { emailKey, type User } from "../api/schemas";
import { isOrganizationRole } from "../roles";

export const EXPORT_FORMATS = ["team", "csv", "ts"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format: ExportFormat;
  /** Leave pending invitees out instead of listing them with a `# pending` comment. */
  activeOnly: boolean;
  /** Told after each page: how many users so far, of how many. */
  progress?: (read: number, total: number, pages: number) => void;
  now?: Date;
}

/** Reads every user of the organization (paced, retried, bounded like every other call). */
export async function readMembers(client: AstroClient, organizationId: string, progress?: ExportOptions["progress"]): Promise<User[]> {
  const users: User[] = [];
  let pages = 0;
  for await (const page of client.listUsers(organizationId)) {
    users.push(...page.users);
    progress?.(users.length, page.totalCount, ++pages);
  }
  return users;
}

/**
 * The organization's members as a declaration this package reads back: a team file (`email ROLE` lines),
 * the same as CSV, or an OrganizationUserInvites program. Sorted by email; pending, inactive and banned
 * users carry a comment saying so; a user without a known organization role is listed as a comment only.
 */
export function renderMembers(users: User[], organizationId: string, options: ExportOptions): string {
  const at = (options.now ?? new Date()).toISOString();
  const listed = users
    .filter((user) => !(options.activeOnly && user.status === "PENDING"))
    .sort((a, b) => a.username.localeCompare(b.username));
  const members = listed.map((user) => ({
    email: emailKey(user.username),
    role: user.organizationRole ?? "",
    note: user.status === "ACTIVE" ? "" : user.status.toLowerCase(),
  }));
  const known = members.filter((member) => isOrganizationRole(member.role));
  const unknown = members
    .filter((member) => !isOrganizationRole(member.role))
    .map((m) => `${m.email}: role ${JSON.stringify(m.role)} is not one this package knows; not declared`);
  const header = [
    `Members of Astro organization ${organizationId}, exported ${at} by astro-invites export${options.activeOnly ? " --active-only" : ""}.`,
    `${known.length} member${known.length === 1 ? "" : "s"}${options.activeOnly ? "" : ', pending invitees marked "# pending"'}.`,
    ...unknown,
  ];
  if (options.format === "ts") {
    const lines = known.map(
      (m) => `    { email: ${JSON.stringify(m.email)}, role: ${JSON.stringify(m.role)} },${m.note ? ` // ${m.note}` : ""}`,
    );
    return [
      ...header.map((line) => `// ${line}`),
      'import { OrganizationUserInvites } from "pulumi-astro-invites";',
      "",
      'export const organizationMembers = new OrganizationUserInvites("organization-members", {',
      `  defaults: { organizationId: ${JSON.stringify(organizationId)} },`,
      "  members: [",
      ...lines,
      "  ],",
      "});",
      "",
    ].join("\n");
  }
  const separator = options.format === "csv" ? "," : " ";
  return [
    ...header.map((line) => `# ${line}`),
    ...(options.format === "csv" ? ["email,role"] : []),
    ...known.map((m) => `${m.email}${separator}${m.role}${m.note ? ` # ${m.note}` : ""}`),
    "",
  ].join("\n");
}
