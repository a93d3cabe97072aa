export const DEFAULT_API_URL = "https://api.astronomer.io/v1";

/**
 * Why `url` may not be used as an Astro API base URL, or undefined when it may. Only https is allowed,
 * except plain http to a loopback host, where the local emulator listens.
 */
export function apiUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `must be an absolute https URL such as ${DEFAULT_API_URL}, got ${JSON.stringify(url)}`;
  }
  if (parsed.protocol === "https:") return undefined;
  if (parsed.protocol === "http:" && isLoopbackHost(parsed.hostname)) return undefined;
  if (parsed.protocol === "http:") {
    return `must use https (plain http is allowed only for loopback hosts: localhost, 127.0.0.0/8, [::1]), got ${url}`;
  }
  return `must be an https URL such as ${DEFAULT_API_URL}, got scheme ${parsed.protocol.replace(/:$/, "")} in ${url}`;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The base URL without a trailing slash, so paths can be appended uniformly. */
export function normalizeApiUrl(url: string): string {
  return url.trim().replace(/\/+$/, "");
}
