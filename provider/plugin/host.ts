import * as pulumi from "@pulumi/pulumi";
import * as provider from "@pulumi/pulumi/provider";
import type { OrganizationUserInviteArgs } from "../invite/resource";
import { OrganizationUserInvites, OrganizationUserInvitesArgs } from "../members/resource";
import { VERSION } from "../version";
import type { TeamArgs } from "../team/resource";
import { OrganizationUserInviteComponent, TeamComponent } from "./components";
import { checkPythonSdkBeside } from "./python-sdk";
import { ASTRO_TEAM_TOKEN, INVITE_TOKEN, MEMBERS_TOKEN, packageSchema } from "./schema";

/**
 * The component provider that serves this package to programs in other languages (Pulumi YAML, Python,
 * Go, C#): the engine starts it from provider/plugin (PulumiPlugin.yaml) and calls GetSchema and
 * Construct. Construct builds the same components a TypeScript program would; their inputs are checked
 * by those components (and the invites' own check), so errors read the same in every language.
 */
type Build = (name: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions) => provider.ConstructResult;

const COMPONENTS: Record<string, Build> = {
  [INVITE_TOKEN]: (name, inputs, options) => {
    const invite = new OrganizationUserInviteComponent(name, inputs as OrganizationUserInviteArgs, options);
    return { urn: invite.urn, state: invite.outputs };
  },
  [MEMBERS_TOKEN]: (name, inputs, options) => {
    const members = new OrganizationUserInvites(name, inputs as OrganizationUserInvitesArgs, options);
    return { urn: members.urn, state: { members: members.members, counts: members.counts } };
  },
  [ASTRO_TEAM_TOKEN]: (name, inputs, options) => {
    const team = new TeamComponent(name, inputs as TeamArgs, options);
    return { urn: team.urn, state: team.outputs };
  },
};

class AstroComponents implements provider.Provider {
  readonly version = VERSION;

  async getSchema(): Promise<string> {
    return JSON.stringify(packageSchema());
  }

  async construct(
    name: string,
    type: string,
    inputs: pulumi.Inputs,
    options: pulumi.ComponentResourceOptions,
  ): Promise<provider.ConstructResult> {
    const build = COMPONENTS[type];
    if (!build) throw new Error(`unknown resource type ${type}: this package has ${Object.keys(COMPONENTS).join(", ")}`);
    return build(name, inputs, options);
  }
}

/**
 * The engine starts the invites' dynamic-provider host in the program's directory (pulumi/pulumi#5455), so
 * this package and @pulumi/pulumi must be installed there, not only wherever the plugin was found.
 */
function checkInstalledBeside(directory: string): void {
  const missing = ["pulumi-astro-invites", "@pulumi/pulumi"].filter((name) => {
    try {
      require.resolve(name, { paths: [directory] });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length) {
    throw new Error(
      `${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not installed in ${directory}, where Pulumi runs this package's ` +
        `invites (pulumi/pulumi#5455). Run there: npm install pulumi-astro-invites @pulumi/pulumi`,
    );
  }
}

/** Started by `@pulumi/pulumi/cmd/run-plugin` (provider/plugin/index.js), with the engine's arguments. */
export async function serve(): Promise<void> {
  checkInstalledBeside(process.cwd());
  checkPythonSdkBeside(process.cwd());
  await provider.main(new AstroComponents(), process.argv.slice(2));
}
