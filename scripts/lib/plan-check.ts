/**
 * The bench's proof that its engine floor is the same plan as the product: a ratio to a floor is only
 * worth printing when the floor made the same steps, recorded the same fields and did no work the
 * product does not. Each check throws a FloorMismatch naming the phase and both sides.
 */

/** Steps by kind, as the engine's summary counts them: create, update, delete, replace, same (unchanged), … */
export type StepCounts = Record<string, number>;

const STEP_WORDS: Record<string, string> = {
  create: "create",
  created: "create",
  update: "update",
  updated: "update",
  delete: "delete",
  deleted: "delete",
  replace: "replace",
  replaced: "replace",
  unchanged: "same",
};

/**
 * The "Resources:" summary that `pulumi preview`, `up`, `refresh` and `destroy` print, e.g.
 * `+ 1001 created` / `~ 100 to update` / `1 unchanged`. A run that printed none has no counts.
 */
export function stepCounts(output: string): StepCounts {
  const lines = output.split("\n");
  const start = lines.findIndex((line) => line.trim() === "Resources:");
  if (start < 0) throw new Error(`no "Resources:" summary in the engine's output:\n${output.slice(-2000)}`);
  const counts: StepCounts = {};
  for (const line of lines.slice(start + 1)) {
    const step = /^\s*(?:[-+~]+\s*)?(\d+) (?:to )?(.+?)\s*$/.exec(line);
    if (!step) break;
    const kind = STEP_WORDS[step[2]] ?? step[2];
    counts[kind] = (counts[kind] ?? 0) + Number(step[1]);
  }
  return counts;
}

export class FloorMismatch extends Error {
  constructor(phase: string, what: string) {
    super(`the engine floor is not the product's plan in phase ${phase}: ${what}`);
    this.name = "FloorMismatch";
  }
}

export const shownSteps = (counts: StepCounts): string =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ") || "none";

/** The engine made the same steps in both stacks. */
export function requireSamePlan(phase: string, floor: StepCounts, product: StepCounts): void {
  if (shownSteps(floor) !== shownSteps(product)) {
    throw new FloorMismatch(phase, `floor steps ${shownSteps(floor)}; product steps ${shownSteps(product)}`);
  }
}

/** Every field path of a value (`inviter.id`, `workspaceRoles.<id>`): what a state records, not what it holds. */
function fieldPaths(value: unknown, prefix = ""): string[] {
  if (!value || typeof value !== "object" || Array.isArray(value)) return [prefix];
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([key, inner]) => fieldPaths(inner, prefix ? `${prefix}.${key}` : key)).sort();
}

/** Each resource, by name: its recorded outputs. */
export type RecordedState = Record<string, Record<string, unknown>>;

/** Both stacks hold the same resources, each recording the same fields. */
export function requireSameFields(phase: string, floor: RecordedState, product: RecordedState): void {
  const names = (state: RecordedState) => Object.keys(state).sort().join(", ");
  if (names(floor) !== names(product)) {
    const only = (a: RecordedState, b: RecordedState) => Object.keys(a).filter((name) => !(name in b));
    throw new FloorMismatch(
      phase,
      `resources only the floor has: ${only(floor, product).join(", ") || "none"}; only the product: ${only(product, floor).join(", ") || "none"}`,
    );
  }
  for (const [name, outputs] of Object.entries(product)) {
    const want = fieldPaths(outputs);
    const got = fieldPaths(floor[name]);
    const missing = want.filter((path) => !got.includes(path));
    const extra = got.filter((path) => !want.includes(path));
    if (missing.length || extra.length) {
      throw new FloorMismatch(
        phase,
        `${name} records other fields in the floor: missing ${missing.join(", ") || "none"}; extra ${extra.join(", ") || "none"}`,
      );
    }
  }
}

/**
 * A floor does no more than the product: a product faster than its floor beyond noise means the floor
 * does work the product does not, and no ratio to it says anything.
 */
const FLOOR_NOISE = 0.9;

export function requireFloorNotSlower(phase: string, floorSeconds: number, productSeconds: number): void {
  if (productSeconds < FLOOR_NOISE * floorSeconds) {
    throw new FloorMismatch(
      phase,
      `the product took ${productSeconds} s, under ${FLOOR_NOISE}x of the floor's ${floorSeconds} s: the floor does work the product does not`,
    );
  }
}
