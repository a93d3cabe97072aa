import * as pulumi from "@pulumi/pulumi";
import { OrganizationUserInvites, Team } from "pulumi-astro-invites";

// The bulk suites and the benchmark: everyone in the member file named by the stack config key "file",
// and (config "astroTeams": Team name -> member emails) Astro Teams of them, declared after the invites.
const config = new pulumi.Config();
const members = new OrganizationUserInvites("team", { file: config.require("file") });
const astroTeams = config.getObject<Record<string, string[]>>("astroTeams") ?? {};
for (const [name, emails] of Object.entries(astroTeams)) {
  new Team(name, { name, members: emails }, { dependsOn: members });
}

export const counts = members.counts;
