import { z } from "zod";
import { INVITE_STATUSES, InputsSchema, OnDeleteSchema, StateSchema } from "../invite/schema";
import { ORGANIZATION_ROLES, WORKSPACE_ROLES } from "../roles";
import { TeamArgsSchema, TeamOutputsSchema } from "../members/args";
import { TeamInputsSchema, TeamStateSchema } from "../team/schema";
import { VERSION } from "../version";

/**
 * The Pulumi package schema that programs in other languages see (`pulumi package get-schema`, generated
 * SDKs, YAML's type checks), derived from the zod schemas: every field, its description and its enum come
 * from where they are declared. Pulumi's TypeScript inference (@pulumi/pulumi/provider/experimental)
 * cannot read types derived from zod, and would need a second, hand-written copy of each field.
 */

const PACKAGE = "astro";
const token = (name: string) => `${PACKAGE}:index:${name}`;
export const INVITE_TOKEN = token("OrganizationUserInvite");
export const MEMBERS_TOKEN = token("OrganizationUserInvites");
export const ASTRO_TEAM_TOKEN = token("Team");

/** The string enums, by the name their type gets; a field whose values are one of these refers to it. */
const ENUMS: Record<string, readonly string[]> = {
  OrganizationRole: ORGANIZATION_ROLES,
  WorkspaceRole: WORKSPACE_ROLES,
  OnDelete: OnDeleteSchema.options,
  InviteStatus: INVITE_STATUSES,
};

/** Names for object types, by the field that holds them (an array's items, a map's values, or the object). */
const OBJECT_NAMES: Record<string, string> = {
  inviter: "Inviter",
  "members[]": "TeamMember",
  defaults: "TeamDefaults",
  "members{}": "TeamMemberState",
  found: "TeamFound",
  "reportedMembers[]": "TeamReportedMember",
  "dagRoles[]": "DagRole",
};

type Json = {
  type?: string;
  anyOf?: Json[];
  description?: string;
  enum?: string[];
  items?: Json;
  properties?: Record<string, Json>;
  additionalProperties?: Json | boolean;
  required?: string[];
};
type Property = Record<string, unknown>;

export function packageSchema(): Record<string, unknown> {
  const types: Record<string, unknown> = Object.fromEntries(
    Object.entries(ENUMS).map(([name, values]) => [
      token(name),
      { type: "string", enum: values.map((value) => ({ value, name: pascal(value) })) },
    ]),
  );
  const property = (json: Json, field: string): Property => {
    // A nullable field (a Team's members, what an adoption found): the schema has no null, its absence says it.
    const value = json.anyOf?.find((branch) => branch.type !== "null");
    if (value) return property({ ...value, description: json.description ?? value.description }, field);
    const described = json.description ? { description: json.description } : {};
    const named = json.enum && Object.entries(ENUMS).find(([, values]) => sameValues(values, json.enum!));
    if (json.enum && !named) throw new Error(`${field}: an enum without a named type (${json.enum.join(", ")}): add it to ENUMS`);
    if (named) return { $ref: `#/types/${token(named[0])}`, ...described };
    if (json.type === "array") return { type: "array", items: property(json.items!, `${field}[]`), ...described };
    if (json.type === "object" && typeof json.additionalProperties === "object") {
      return { type: "object", additionalProperties: property(json.additionalProperties, `${field}{}`), ...described };
    }
    if (json.type === "object") {
      const name = OBJECT_NAMES[field];
      if (!name) throw new Error(`${field}: an object without a named type: add it to OBJECT_NAMES`);
      types[token(name)] = { type: "object", ...described, ...objectShape(json) };
      return { $ref: `#/types/${token(name)}`, ...described };
    }
    return { type: json.type, ...described };
  };
  const objectShape = (json: Json) => ({
    properties: Object.fromEntries(Object.entries(json.properties ?? {}).map(([key, value]) => [key, property(value, key)])),
    // A nullable field may be absent in other languages' SDKs.
    required: (json.required ?? []).filter((key) => !json.properties?.[key]?.anyOf?.some((branch) => branch.type === "null")),
  });
  const properties = (schema: z.ZodType, io: "input" | "output", plain = false) => {
    const json = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Json;
    const shape = objectShape(json);
    if (plain) for (const value of Object.values(shape.properties)) value.plain = true;
    return shape;
  };

  const invite = { inputs: properties(InputsSchema, "input"), outputs: properties(StateSchema, "output") };
  const members = { inputs: properties(TeamArgsSchema, "input", true), outputs: properties(TeamOutputsSchema, "output") };
  const astroTeam = { inputs: properties(TeamInputsSchema, "input"), outputs: properties(TeamStateSchema, "output") };
  return {
    name: PACKAGE,
    version: VERSION,
    description: "Astronomer (Astro) organization membership: invites, roles, acceptance and clean-up through the Astro API.",
    resources: {
      [INVITE_TOKEN]: {
        isComponent: true,
        description:
          "One person's membership of an Astro organization, from invite to acceptance. Stack config: astro:apiToken (secret), astro:organizationId, astro:apiUrl.",
        inputProperties: invite.inputs.properties,
        // Every other input has a default or a fallback from stack config and the environment.
        requiredInputs: ["email"],
        properties: invite.outputs.properties,
        required: invite.outputs.required,
      },
      [MEMBERS_TOKEN]: {
        isComponent: true,
        description:
          "Many people as one declaration (a member file, or a list): one OrganizationUserInvite per person, named from the normalized email. The declaration is checked as a whole before anything is sent.",
        inputProperties: members.inputs.properties,
        properties: members.outputs.properties,
        required: members.outputs.required,
      },
      [ASTRO_TEAM_TOKEN]: {
        isComponent: true,
        description:
          "An Astro Team: its name, organization and workspace roles, and (optionally) its whole member list by email. A Team of that name that exists already is adopted as found; destroy then sets it back.",
        inputProperties: astroTeam.inputs.properties,
        requiredInputs: ["name"],
        properties: astroTeam.outputs.properties,
        required: astroTeam.outputs.required,
      },
    },
    types,
  };
}

const sameValues = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((value) => b.includes(value));

/** An enum value's name in generated SDKs: ORGANIZATION_OWNER -> OrganizationOwner (Go's OrganizationRoleOrganizationOwner). */
const pascal = (value: string) =>
  value
    .toLowerCase()
    .split("_")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
