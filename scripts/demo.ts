import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startEmulator, Emulator } from "../provider/emulator/server";
import { PulumiWorkspace, REPO_ROOT } from "./lib/workspace";

/**
 * `npm run demo`: the repository's Pulumi.yaml (examples/basic) under the real Pulumi CLI, against a local
 * Astro API emulator, through a whole membership life: preview, up, acceptance, refresh, a role change,
 * destroy. Nothing leaves this machine and nothing is left behind.
 */
function step(text: string): void {
  console.log(`\n==> ${text}`);
}

function showOrganization(emulator: Emulator): void {
  const { users, invites } = emulator.organization();
  if (users.length === 0) {
    console.log("    (no members)");
    return;
  }
  for (const user of users) {
    const invite = invites.find((i) => i.userId === user.id && i.state === "pending");
    console.log(
      `    ${user.username.padEnd(28)} ${user.status.padEnd(8)} ${String(user.organizationRole).padEnd(28)} ${invite ? `invite ${invite.inviteId}` : ""}`,
    );
  }
}

async function main(): Promise<void> {
  step("Starting the Astro API emulator on loopback");
  const emulator = await startEmulator({ organizationName: "Demo Organization" });
  console.log(`    API ${emulator.apiUrl}, organization ${emulator.organizationId}`);

  step("Getting a Pulumi CLI (built from the Go module proxy and cached on first use)");
  const stack = new PulumiWorkspace(REPO_ROOT, "demo", { inPlace: true, echo: true });
  try {
    step("Creating a local stack 'demo' for Pulumi.yaml (examples/basic); the API token is stored as a secret");
    await stack.init(
      { "astro:organizationId": emulator.organizationId, "astro:apiUrl": emulator.apiUrl },
      { "astro:apiToken": emulator.token },
    );

    step("pulumi preview");
    await stack.run(["preview"]);

    step("pulumi up --yes");
    await stack.run(["up", "--yes"]);

    step("The organization as the Astro API sees it");
    showOrganization(emulator);

    step("analyst@example.com accepts the invite (in the emulator)");
    emulator.state.acceptInviteOf(emulator.organizationId, "analyst@example.com");

    step("pulumi refresh --yes: the state learns who accepted");
    await stack.run(["refresh", "--yes"]);
    const analyst = (await stack.invites())["data-analyst"].outputs;
    console.log(`    data-analyst: status ${analyst.status}, role ${analyst.role}`);

    step("Changing the analyst's role: pulumi config set analystRole ORGANIZATION_OBSERVE_ADMIN");
    await stack.setConfig("analystRole", "ORGANIZATION_OBSERVE_ADMIN");

    step("What a reviewer sees: pulumi preview --json | astro-invites review --format text");
    const preview = await stack.run(["preview", "--json"], { quiet: true });
    console.log(
      execFileSync(process.execPath, [join(REPO_ROOT, "dist/provider/cli/astro-invites.js"), "review", "--format", "text"], {
        input: preview.stdout,
        encoding: "utf8",
      }).replace(/^/gm, "    "),
    );

    step("pulumi up --yes");
    await stack.run(["up", "--yes"]);
    showOrganization(emulator);

    step("pulumi destroy --yes");
    await stack.run(["destroy", "--yes"]);

    step("What is left in the organization: pending invites revoked, the accepted member demoted to ORGANIZATION_MEMBER");
    showOrganization(emulator);
    step("Done");
  } finally {
    stack.dispose();
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
