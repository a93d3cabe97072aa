import { domainToASCII } from "node:url";
import { z } from "zod";
import { apiUrlProblem, DEFAULT_API_URL, normalizeApiUrl } from "../api/url";
import { DEFAULT_ROLE, isOrganizationRole, OrganizationRole, ORGANIZATION_ROLES } from "../roles";

/** What Pulumi passes for a value not known until apply time (during preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type OnDelete = "demote" | "keep";
export const ON_DELETE_VALUES: readonly OnDelete[] = ["demote", "keep"];

/** The declared invite, after check: every field present, normalized and valid (or unknown in preview). */
export interface InviteInputs {
  /** Trimmed and lowercased, as the Astro CLI does. */
  email: string;
  role: OrganizationRole;
  organizationId: string;
  apiUrl: string;
  /** What destroy does to a member who accepted: demote to ORGANIZATION_MEMBER, or keep their role. */
  onDelete: OnDelete;
}

/** Values that stand in when an input is not set, and where they came from (named in errors). */
export interface InputDefaults {
  organizationId?: { value: string; source: string };
  apiUrl?: { value: string; source: string };
}

export interface CheckFailure {
  property: string;
  reason: string;
}

const MAX_EMAIL_LENGTH = 254;
const ORGANIZATION_ID = /^c[a-z0-9]{24}$/;
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Every input is a string; anything else (a number, an object) is reported as a type error on its property. */
const OptionalText = z.string().optional();
const RawInputsSchema = z.object({
  email: OptionalText,
  role: OptionalText,
  organizationId: OptionalText,
  apiUrl: OptionalText,
  onDelete: OptionalText,
});

/**
 * Normalizes and validates the declared inputs without touching the network. Every problem is reported,
 * each naming its property and what would be valid. Unknown values (preview) pass through unvalidated.
 */
export function checkInputs(news: Record<string, unknown>, defaults: InputDefaults): { inputs: InviteInputs; failures: CheckFailure[] } {
  const parsed = RawInputsSchema.safeParse(news);
  if (!parsed.success) {
    const failures = parsed.error.issues.map((issue) => ({ property: String(issue.path[0]), reason: `${String(issue.path[0])} must be a string` }));
    return { inputs: { email: "", role: DEFAULT_ROLE, organizationId: "", apiUrl: DEFAULT_API_URL, onDelete: "demote" }, failures };
  }
  const raw = parsed.data;
  const failures: CheckFailure[] = [];
  const field = <T extends string>(property: string, value: unknown, validate: (text: string) => T | string[]): T => {
    if (value === UNKNOWN) return UNKNOWN as T;
    const result = validate(value === undefined ? "" : String(value));
    if (Array.isArray(result)) {
      failures.push(...result.map((reason) => ({ property, reason })));
      return "" as T;
    }
    return result;
  };
  const inputs: InviteInputs = {
    email: field("email", raw.email ?? "", validateEmail),
    role: field("role", raw.role ?? DEFAULT_ROLE, validateRole),
    organizationId: field("organizationId", raw.organizationId ?? defaults.organizationId?.value, (v) => validateOrganizationId(v, defaults)),
    apiUrl: field("apiUrl", raw.apiUrl ?? defaults.apiUrl?.value ?? DEFAULT_API_URL, (v) => validateApiUrl(v, defaults)),
    onDelete: field("onDelete", raw.onDelete ?? "demote", validateOnDelete),
  };
  return { inputs, failures };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function validateEmail(value: string): string | string[] {
  const email = normalizeEmail(value);
  const shown = JSON.stringify(value);
  if (email === "") return ["email is required: the invitee's email address, such as jane@example.com"];
  if (email.length > MAX_EMAIL_LENGTH) return [`email must be at most ${MAX_EMAIL_LENGTH} characters, got ${email.length}`];
  const at = email.split("@");
  if (at.length !== 2) return [`email must contain exactly one "@", such as jane@example.com, got ${shown}`];
  const [local, domain] = at;
  if (/\s/.test(email)) return [`email must not contain spaces, got ${shown}`];
  if (/[^\x00-\x7f]/.test(domain)) {
    const ascii = domainToASCII(domain);
    const hint = ascii ? `: ${local}@${ascii}` : " (xn--...)";
    return [`email must give an international domain in its ASCII (punycode) form${hint}, got ${shown}`];
  }
  if (/[^\x00-\x7f]/.test(local)) return [`email has non-ASCII characters before the "@" (only ASCII addresses are accepted), got ${shown}`];
  if (!LOCAL_PART.test(local) || local.length > 64) {
    return [`email has an invalid part before "@" (letters, digits and !#$%&'*+/=?^_\`{|}~.- without leading, trailing or double dots), got ${shown}`];
  }
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label)) || !/^[a-z]{2,}$/.test(labels[labels.length - 1])) {
    return [`email has an invalid domain after "@" (such as example.com), got ${shown}`];
  }
  return email;
}

export function validateRole(value: string): OrganizationRole | string[] {
  if (isOrganizationRole(value)) return value;
  const hint = isOrganizationRole(value.trim().toUpperCase()) ? ` (roles are upper case: ${value.trim().toUpperCase()})` : "";
  return [`role must be one of [${ORGANIZATION_ROLES.join(", ")}], got ${JSON.stringify(value)}${hint}`];
}

export function validateOrganizationId(value: string | undefined, defaults: InputDefaults = {}): string | string[] {
  const id = (value ?? "").trim();
  if (id === "") {
    return [
      "organizationId is required: set the organizationId input, the stack config astro:organizationId " +
        "(`pulumi config set astro:organizationId <id>`), or the environment variable ASTRO_ORGANIZATION_ID",
    ];
  }
  if (!ORGANIZATION_ID.test(id)) {
    const source = defaults.organizationId && defaults.organizationId.value === value ? ` (from ${defaults.organizationId.source})` : "";
    return [`organizationId must be an Astro organization id (25 lowercase letters and digits starting with "c", such as clm9t0gbt000108jv4f1cfu8u), got ${JSON.stringify(value)}${source}`];
  }
  return id;
}

function validateApiUrl(value: string, defaults: InputDefaults): string | string[] {
  const url = normalizeApiUrl(value);
  const problem = apiUrlProblem(url);
  if (!problem) return url;
  const source = defaults.apiUrl && defaults.apiUrl.value === value ? ` (from ${defaults.apiUrl.source})` : "";
  return [`apiUrl ${problem}${source}`];
}

function validateOnDelete(value: string): OnDelete | string[] {
  if ((ON_DELETE_VALUES as readonly string[]).includes(value)) return value as OnDelete;
  return [`onDelete must be one of [${ON_DELETE_VALUES.join(", ")}], got ${JSON.stringify(value)}`];
}
