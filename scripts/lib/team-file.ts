import { writeFileSync } from "node:fs";
import { ORGANIZATION_ROLES } from "../../provider/roles";

/**
 * Writes a team file of `count` people, roles cycling through all five; `roleChangeEvery: n` shifts every
 * nth person's role; `workspaces` gives everyone WORKSPACE_MEMBER in each of them; `deployments` gives
 * everyone DEPLOYMENT_ADMIN on each, and DAG_VIEWER on the DAGs tagged "bench" of the first.
 */
export function writeTeamFile(
  path: string,
  count: number,
  options: { roleChangeEvery?: number; workspaces?: string[]; deployments?: string[] } = {},
): string[] {
  const emails = Array.from({ length: count }, (_, i) => `member${String(i).padStart(4, "0")}@example.com`);
  const deployments = options.deployments ?? [];
  const scoped = [
    ...(options.workspaces ?? []).map((id) => ` ${id}=WORKSPACE_MEMBER`),
    ...deployments.map((id) => ` deployment:${id}=DEPLOYMENT_ADMIN`),
    ...deployments.slice(0, 1).map((id) => ` dagtag:${id}/bench=DAG_VIEWER`),
  ].join("");
  const lines = emails.map((email, i) => {
    const shifted = options.roleChangeEvery && i % options.roleChangeEvery === 0 ? 1 : 0;
    return `${email} ${ORGANIZATION_ROLES[(i + shifted) % ORGANIZATION_ROLES.length]}${scoped}`;
  });
  writeFileSync(path, `# ${count} people\n${lines.join("\n")}\n`);
  return emails;
}
