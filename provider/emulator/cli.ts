#!/usr/bin/env node
import { parseArgs } from "node:util";
import { startEmulator } from "./server";

const USAGE = `astro-api-emulator: a local emulator of the Astro API v1 (organization invites and users)

Options:
  --port N              port on 127.0.0.1 (default 8888; 0 picks a free one)
  --latency MS          delay added to every API request (default 0)
  --no-rate-limits      do not enforce Astro's per-token limits (POST 10/s, DELETE 5/s, GET 25/s)
  --organization-id ID  a fixed organization id (default: a new cuid)
  --token TOKEN         a fixed API token (default: a new random one)
  --seed N              seed for probabilistic faults (default 1)
  --help                this text`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8888" },
      latency: { type: "string", default: "0" },
      "no-rate-limits": { type: "boolean", default: false },
      "organization-id": { type: "string" },
      token: { type: "string" },
      seed: { type: "string", default: "1" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const emulator = await startEmulator({
    port: integer("--port", values.port),
    latencyMs: integer("--latency", values.latency),
    rateLimits: values["no-rate-limits"] ? false : undefined,
    organizationId: values["organization-id"],
    token: values.token,
    seed: integer("--seed", values.seed),
  });
  console.log(`Astro API emulator listening. Point a stack at it with:
  export ASTRO_API_URL=${emulator.apiUrl}
  export ASTRO_ORGANIZATION_ID=${emulator.organizationId}
  export ASTRO_API_TOKEN=${emulator.token}
Test controls: ${emulator.adminUrl}/state (see the README). Ctrl-C stops it.`);
  const stop = () => void emulator.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

function integer(flag: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    console.error(`${flag} must be a whole number, got ${value}\n\n${USAGE}`);
    process.exit(2);
  }
  return parsed;
}

main().catch((error: unknown) => {
  console.error(`astro-api-emulator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
