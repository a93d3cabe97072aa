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
  // Each of these would send requests somewhere other than where the URL seems to point: a query or a
  // fragment swallows the paths appended to it, and credentials would ride along with every request.
  if (parsed.username || parsed.password) {
    return `must not contain credentials (user:password@): the API token is the only credential, got ${redactCredentials(parsed)}`;
  }
  if (parsed.search || url.includes("?"))
    return `must not contain a query string ("?..."): give the base URL only, such as ${DEFAULT_API_URL}, got ${url}`;
  if (parsed.hash || url.includes("#"))
    return `must not contain a fragment ("#..."): give the base URL only, such as ${DEFAULT_API_URL}, got ${url}`;
  if (parsed.protocol === "https:") return undefined;
  if (parsed.protocol === "http:" && isLoopbackHost(parsed.hostname)) return undefined;
  if (parsed.protocol === "http:") {
    return `must use https (plain http is allowed only for loopback hosts: localhost, 127.0.0.0/8, [::1]), got ${url}`;
  }
  return `must be an https URL such as ${DEFAULT_API_URL}, got scheme ${parsed.protocol.replace(/:$/, "")} in ${url}`;
}

/** The URL with its password blanked, so that an error naming it does not leak it. */
function redactCredentials(url: URL): string {
  const shown = new URL(url.href);
  if (shown.password) shown.password = "***";
  return shown.href;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The base URL without a trailing slash, so paths can be appended uniformly. */
export function normalizeApiUrl(url: string): string {
  return url.trim().replace(/\/+$/, "");
}
