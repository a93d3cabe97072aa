import { writeFileSync } from "node:fs";
import { ORGANIZATION_ROLES } from "../../provider/roles";

/** Writes a team file of `count` people, roles cycling through all five; `roleChangeEvery: n` shifts every nth person's role. */
export function writeTeamFile(path: string, count: number, options: { roleChangeEvery?: number } = {}): string[] {
  const emails = Array.from({ length: count }, (_, i) => `member${String(i).padStart(4, "0")}@example.com`);
  const lines = emails.map((email, i) => {
    const shifted = options.roleChangeEvery && i % options.roleChangeEvery === 0 ? 1 : 0;
    return `${email} ${ORGANIZATION_ROLES[(i + shifted) % ORGANIZATION_ROLES.length]}`;
  });
  writeFileSync(path, `# ${count} people\n${lines.join("\n")}\n`);
  return emails;
}
