import type { Emulator } from "../../provider/emulator/server";
import { join } from "node:path";
import { PulumiWorkspace, REPO_ROOT } from "../../scripts/lib/workspace";

/** The e2e suites' program: its invites come from the stack config key "invites". */
export const INVITES_PROGRAM = join(REPO_ROOT, "test/fixtures/invites");

/** The e2e fixture declares its invites as stack config: name -> OrganizationUserInvite args. */
export type Declared = Record<
  string,
  {
    email: string;
    role?: string;
    onDelete?: string;
    organizationId?: string;
    outputEmail?: boolean;
    secretRole?: boolean;
    teams?: string[];
    workspaceRoles?: Record<string, string>;
    deploymentRoles?: Record<string, string>;
    dagRoles?: { deploymentId: string; dagId?: string; dagTag?: string; role: string }[];
  }
>;

/** A stack of the fixture program pointed at the emulator (token as a secret unless `token: false`). */
export async function newStack(emulator: Emulator, options: { token?: boolean; organization?: boolean } = {}): Promise<PulumiWorkspace> {
  const workspace = new PulumiWorkspace(INVITES_PROGRAM);
  await workspace.init(
    {
      "astro:apiUrl": emulator.apiUrl,
      ...(options.organization === false ? {} : { "astro:organizationId": emulator.organizationId }),
      invites: "{}",
    },
    options.token === false ? {} : { "astro:apiToken": emulator.token },
  );
  return workspace;
}

export const declare = (workspace: PulumiWorkspace, invites: Declared) => workspace.setConfig("invites", JSON.stringify(invites));

/** The e2e fixture's Astro Teams: name -> Team args, `invited` naming invites whose email output joins its members. */
export type DeclaredTeams = Record<
  string,
  {
    name: string;
    organizationRole?: string;
    workspaceRoles?: Record<string, string>;
    deploymentRoles?: Record<string, string>;
    dagRoles?: { deploymentId: string; dagId?: string; dagTag?: string; role: string }[];
    members?: string[];
    invited?: string[];
    description?: string;
  }
>;

export const declareTeams = (workspace: PulumiWorkspace, teams: DeclaredTeams) => workspace.setConfig("astroTeams", JSON.stringify(teams));
