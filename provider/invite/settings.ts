import type { InputDefaults } from "./inputs";

/** The stack config keys this package reads, in the provider process (never in the program). */
export const CONFIG_KEYS = {
  apiToken: "astro:apiToken",
  organizationId: "astro:organizationId",
  apiUrl: "astro:apiUrl",
} as const;

export const ENV_VARS = {
  apiToken: "ASTRO_API_TOKEN",
  organizationId: "ASTRO_ORGANIZATION_ID",
  apiUrl: "ASTRO_API_URL",
} as const;

export const MISSING_TOKEN =
  "no Astro API token: set it with `pulumi config set --secret astro:apiToken <token>` " +
  "or export ASTRO_API_TOKEN=<token> (an Organization API token with the Organization Owner role)";

interface ConfigSource {
  get(key: string): string | undefined;
}

/**
 * Stack config as Pulumi's Configure call handed it to this provider process. It lives only in this
 * process's memory: the serialized provider in state never sees it.
 */
let stackConfig: Partial<Record<keyof typeof CONFIG_KEYS, string>> = {};

export function configure(config: ConfigSource): void {
  stackConfig = {
    apiToken: config.get(CONFIG_KEYS.apiToken) || undefined,
    organizationId: config.get(CONFIG_KEYS.organizationId) || undefined,
    apiUrl: config.get(CONFIG_KEYS.apiUrl) || undefined,
  };
}

/** The API token: stack config first, then the environment variable the Astro CLI also uses. */
export function apiToken(): string | undefined {
  return stackConfig.apiToken ?? (process.env[ENV_VARS.apiToken] || undefined);
}

/** The fallbacks for inputs that are not set, stack config before environment. */
export function inputDefaults(): InputDefaults {
  return {
    organizationId: fallback("organizationId"),
    apiUrl: fallback("apiUrl"),
  };
}

function fallback(key: "organizationId" | "apiUrl"): { value: string; source: string } | undefined {
  if (stackConfig[key]) return { value: stackConfig[key]!, source: `stack config ${CONFIG_KEYS[key]}` };
  const env = process.env[ENV_VARS[key]];
  return env ? { value: env, source: `environment variable ${ENV_VARS[key]}` } : undefined;
}
