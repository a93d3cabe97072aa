import { createHash } from "node:crypto";
import { appendFileSync, readFileSync } from "node:fs";
import type * as Lifecycle from "../../provider/invite/lifecycle";
import type * as Plan from "../../provider/invite/plan";
import type * as Schema from "../../provider/invite/schema";

/**
 * The bench's engine floor: pulumi-astro-invites itself (the same configure, check and diff), with every
 * step that would call the Astro API answered from the declaration alone. Each step records what the
 * real lifecycle records, so that the engine makes the same plan and checkpoints as much:
 * - the state is read through the invite's own StateSchema, so every field it declares is present (a
 *   field added there reaches the floor with its default, no edit here);
 * - the declaration is recorded as applied (its role and workspace, Deployment and DAG roles held, with
 *   the WORKSPACE_ACCESSOR Astro adds in a Deployment's workspace the person has no role in), as the real
 *   lifecycle records it once its writes succeed;
 * - what only Astro can say is filled in deterministically (`ASTRO_ANSWERS`).
 *
 * The bench transpiles this file beside the installed package's lifecycle and hands it that package's
 * modules, so it imports nothing of the repository at run time (types only).
 */
export interface ProductModules {
  lifecycle: typeof Lifecycle;
  schema: typeof Schema;
  plan: typeof Plan;
}

/** What Astro did outside any stack before a phase, told to the floor so that its reads report it too. */
export interface FloorWorld {
  /** People who accepted their invites. */
  accepted: string[];
}

export interface FloorFiles {
  /** The first step of each command appends its time (ms) here: when the engine began to step. */
  stepLog: string;
  /** A FloorWorld as JSON; absent until a phase changes anything outside the stacks. */
  worldFile: string;
  /** The organization's Deployments, by id: the workspace of each (where Astro adds its WORKSPACE_ACCESSOR). */
  deploymentWorkspaces: Record<string, string>;
}

type Props = Record<string, unknown>;
type FloorLifecycle = Pick<typeof Lifecycle, "configure" | "check" | "diff" | "create" | "read" | "update" | "remove">;

/** An id of Astro's shape (25 characters, cuid-like), the same for the same person every time. */
const astroId = (kind: string, email: string) => `c${createHash("sha256").update(`${kind}:${email}`).digest("hex").slice(0, 24)}`;

/**
 * What Astro answers an invite with in the bench's organization, where everyone is new: the ids, the
 * inviter (the bench's token), an expiry that never passes during a run, no role before the stack in any
 * workspace, Deployment or DAG, and the WORKSPACE_ACCESSOR Astro adds for a Deployment or DAG role in a
 * workspace the declaration gives no role in.
 */
function astroAnswers(
  inputs: Schema.InviteInputs,
  dagKey: typeof Plan.dagKey,
  deploymentWorkspaces: Record<string, string>,
): Partial<Schema.InviteState> {
  const none = (keys: string[]) => Object.fromEntries(keys.map((key) => [key, ""]));
  const parents = [...Object.keys(inputs.deploymentRoles), ...inputs.dagRoles.map((entry) => entry.deploymentId)]
    .map((id) => deploymentWorkspaces[id])
    .filter((workspaceId) => workspaceId !== undefined && !(workspaceId in inputs.workspaceRoles));
  return {
    inviteId: astroId("invite", inputs.email),
    userId: astroId("user", inputs.email),
    expiresAt: "2099-01-01T00:00:00.000Z",
    status: "PENDING",
    inviter: { id: astroId("token", "bench"), subjectType: "SERVICEKEY", displayName: "pulumi-astro-invites" },
    organizationName: "Emulated Organization",
    workspaceRolesBefore: none(Object.keys(inputs.workspaceRoles)),
    deploymentRolesBefore: none(Object.keys(inputs.deploymentRoles)),
    dagRolesBefore: none(inputs.dagRoles.map(dagKey)),
    workspaceRolesByAstro: Object.fromEntries(parents.map((workspaceId) => [workspaceId, "WORKSPACE_ACCESSOR"])),
  };
}

/** The rest of a user as Astro lists one who accepted. */
const ACCEPTED_USER = {
  fullName: "",
  avatarUrl: "",
  status: "ACTIVE",
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
} as const;

export function floorLifecycle({ lifecycle, schema, plan }: ProductModules, files: FloorFiles): FloorLifecycle {
  let stepped = false;
  const step = () => {
    if (!stepped) appendFileSync(files.stepLog, `${Date.now()}\n`);
    stepped = true;
  };
  let world: FloorWorld | undefined;
  const accepted = (email: string) => {
    try {
      world ??= JSON.parse(readFileSync(files.worldFile, "utf8")) as FloorWorld;
    } catch {
      world = { accepted: [] };
    }
    return world.accepted.includes(email);
  };
  /** The declaration applied over what was recorded before (or over Astro's answers to a new invite). */
  const applied = (inputs: Schema.InviteInputs, stored?: Schema.InviteState): Schema.InviteState => {
    const answers = astroAnswers(inputs, plan.dagKey, files.deploymentWorkspaces);
    return schema.readState({
      ...answers,
      ...stored,
      ...inputs,
      workspaceRolesBefore: { ...answers.workspaceRolesBefore, ...stored?.workspaceRolesBefore },
      deploymentRolesBefore: { ...answers.deploymentRolesBefore, ...stored?.deploymentRolesBefore },
      dagRolesBefore: { ...answers.dagRolesBefore, ...stored?.dagRolesBefore },
      workspaceRolesByAstro: answers.workspaceRolesByAstro,
    });
  };
  return {
    configure: lifecycle.configure,
    check: lifecycle.check,
    diff: lifecycle.diff,
    create: async (raw: Props) => {
      step();
      const inputs = schema.checkedInputs(raw);
      return { id: lifecycle.resourceId(inputs), outs: applied(inputs) };
    },
    read: async (id: string, props: Props) => {
      step();
      const stored = schema.readState(props);
      const current = accepted(stored.email)
        ? plan.observe(stored, { ...ACCEPTED_USER, id: stored.userId, username: stored.email, organizationRole: stored.role })
        : stored;
      return { id, props: current, inputs: schema.inputsOf(current) };
    },
    update: async (_id: string, olds: Props, news: Props) => {
      step();
      return { outs: applied(schema.checkedInputs(news), schema.readState(olds)) };
    },
    remove: async () => step(),
  };
}
