import { writeFileSync } from "node:fs";
import { ORGANIZATION_ROLES } from "../../provider/roles";

/**
 * Writes a team file of `count` people, roles cycling through all five; `roleChangeEvery: n` shifts every
 * nth person's role; `workspaces` gives everyone WORKSPACE_MEMBER in each of them.
 */
export function writeTeamFile(path: string, count: number, options: { roleChangeEvery?: number; workspaces?: string[] } = {}): string[] {
  const emails = Array.from({ length: count }, (_, i) => `member${String(i).padStart(4, "0")}@example.com`);
  const lines = emails.map((email, i) => {
    const shifted = options.roleChangeEvery && i % options.roleChangeEvery === 0 ? 1 : 0;
    const workspaces = (options.workspaces ?? []).map((id) => ` ${id}=WORKSPACE_MEMBER`).join("");
    return `${email} ${ORGANIZATION_ROLES[(i + shifted) % ORGANIZATION_ROLES.length]}${workspaces}`;
  });
  writeFileSync(path, `# ${count} people\n${lines.join("\n")}\n`);
  return emails;
}
