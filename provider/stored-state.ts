import type { z } from "zod";

/**
 * Reads a resource's stored outputs through its state schema, failing clearly on state written by a
 * newer version of this package (`schemaVersion` above `version`) or not of the schema's shape.
 */
export function readStored<S extends z.ZodType<{ schemaVersion: number }>>(
  schema: S,
  props: Record<string, unknown>,
  version: number,
  what: string,
): z.output<S> {
  const stored = typeof props.schemaVersion === "number" ? props.schemaVersion : 1;
  if (stored > version) {
    throw new Error(
      `This ${what}'s state was written by a newer pulumi-astro-invites (state schema ${stored}, this version reads up to ${version}): upgrade the package`,
    );
  }
  const parsed = schema.safeParse(props);
  if (!parsed.success) {
    throw new Error(
      `The stored state of this ${what} is not readable: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  return { ...parsed.data, schemaVersion: version };
}
