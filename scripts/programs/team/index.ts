import * as pulumi from "@pulumi/pulumi";
import { OrganizationUserInvites } from "pulumi-astro-invites";

// The bulk suites and the benchmark: a whole team from the file named by the stack config key "file".
const config = new pulumi.Config();
const team = new OrganizationUserInvites("team", { file: config.require("file") });

export const counts = team.counts;
