import { DEFAULT_API_URL } from "./api/url";
import type { InputDefaults } from "./invite/inputs";

/** The stack config keys this package reads, in the provider process (never in the program). */
const CONFIG_KEYS = {
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

export interface ConfigSource {
  get(key: string): string | undefined;
}

/**
 * What the provider process was configured with: the stack config Pulumi's Configure call handed it,
 * over the environment. It lives only in that process's memory: the serialized provider never sees it.
 */
export interface Settings {
  /** Stack config first, then the environment variable the Astro CLI also uses. */
  token: string | undefined;
  /** Fallbacks for inputs that are not set, stack config before environment. */
  defaults: InputDefaults;
}

export function settingsFrom(config: ConfigSource, env: Record<string, string | undefined>): Settings {
  // The public API's URL is the last fallback; no organization id can be.
  const pick = (key: keyof typeof CONFIG_KEYS) => {
    const configured = config.get(CONFIG_KEYS[key]);
    if (configured) return { value: configured, source: `stack config ${CONFIG_KEYS[key]}` };
    const exported = env[ENV_VARS[key]];
    return exported ? { value: exported, source: `environment variable ${ENV_VARS[key]}` } : undefined;
  };
  const apiUrl = pick("apiUrl") ?? { value: DEFAULT_API_URL, source: "the default" };
  return { token: pick("apiToken")?.value, defaults: { organizationId: pick("organizationId"), apiUrl } };
}
