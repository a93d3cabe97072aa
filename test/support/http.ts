import type { Emulator } from "../../provider/emulator/server";

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** One plain HTTP call to the emulator, bypassing our client, to test the emulator on its own terms. */
export async function call(
  emulator: Emulator,
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null } = {},
): Promise<RawResponse> {
  const token = options.token === undefined ? emulator.token : options.token;
  const base = path.startsWith("/_emulator") ? emulator.adminUrl.replace(/\/_emulator$/, "") : emulator.apiUrl;
  const response = await fetch(base + path, {
    method,
    headers: {
      ...(token !== null && { Authorization: `Bearer ${token}` }),
      ...((options.body !== undefined || (path.startsWith("/_emulator") && method !== "GET")) && { "Content-Type": "application/json" }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}
