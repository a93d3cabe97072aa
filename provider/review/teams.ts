import { declaredScopes, Scope, SCOPE_NAMES } from "../invite/plan";
import { UNKNOWN } from "../invite/schema";
import { Observed, planTeamRemoval, planTeamUpdate, TeamStep } from "../team/plan";
import { TEAM_TYPE } from "../team/resource-type";
import { readTeamState, TeamInputs, TeamState } from "../team/schema";
import { DEFAULT_ROLE } from "../roles";
import { PreviewError, scopesOf, type MembershipChange, type Preview } from "./changes";

/**
 * What a preview would do to Astro Teams, and who gains which role through each: the steps of the Team's
 * own table (team/plan.ts), planned from the state the step starts from, as the lifecycle plans them.
 * A value the preview hides (unknown until apply, or secret) is named in `unknown`, and the gate
 * assumes the worst of it.
 */
export interface TeamChange {
  /** A step of the Team's table; `create` may turn out an adoption (a Team of that name exists). */
  action: string;
  team: string;
  resource: string;
  reason: string;
  /** What the Team grants once the step is done: its organization role (unless Member) and its workspace, Deployment and DAG roles. */
  grants: Grant[];
  /** One role someone gains through the Team with this step. */
  gains: (Grant & { email: string })[];
  /** Declared fields the preview hides. */
  unknown: string[];
}

/** One role a Team grants: its organization role, or a role in one workspace, Deployment or DAG (`where`: its id, or dagKey). */
interface Grant {
  role: string;
  scope: Scope | "organization";
  where?: string;
}

type Step = NonNullable<Preview["steps"]>[number];
const HIDDEN = new Set([UNKNOWN, "[secret]"]);
const REPLACE_OPS = ["replace", "create-replacement", "delete-replaced"];

export function teamChanges(preview: Preview): TeamChange[] {
  const byUrn = new Map<string, Step[]>();
  for (const step of preview.steps ?? []) {
    if ((step.newState?.type ?? step.oldState?.type) !== TEAM_TYPE || step.op === "refresh") continue;
    byUrn.set(step.urn, [...(byUrn.get(step.urn) ?? []), step]);
  }
  return [...byUrn.entries()].flatMap(([urn, steps]) => classify(urn.split("::").pop() ?? urn, steps));
}

function classify(resource: string, steps: Step[]): TeamChange[] {
  const ops = new Set(steps.map((step) => step.op));
  const old = steps.find((step) => step.oldState)?.oldState;
  const next = steps.find((step) => step.newState?.inputs)?.newState?.inputs;
  const stored = old ? stateOf(resource, { ...old.inputs, ...old.outputs }) : undefined;
  if (ops.has("create") || REPLACE_OPS.some((op) => ops.has(op))) {
    const created = newTeam(resource, declaredOf(resource, next));
    return stored && REPLACE_OPS.some((op) => ops.has(op)) ? [...removal(resource, stored), created] : [created];
  }
  if (ops.has("update") && stored) return update(resource, stored, declaredOf(resource, next));
  if (ops.has("delete") && stored) return removal(resource, stored);
  return [];
}

/** A new declaration: every declared member gains the Team's roles (the preview cannot tell an adoption). */
function newTeam(resource: string, declared: Declared): TeamChange {
  return {
    action: "create",
    team: declared.name,
    resource,
    reason: `created, or adopted if one Team is named "${declared.name}" (then nothing is sent unless it differs)`,
    grants: rolesOf(declared),
    gains: (declared.members ?? []).flatMap((email) => rolesOf(declared).map((grant) => ({ email, ...grant }))),
    unknown: declared.unknown,
  };
}

function update(resource: string, stored: TeamState, declared: Declared): TeamChange[] {
  const observed = observedOf(stored);
  const after = declared.members ?? observed.members;
  return planTeamUpdate(observed, declared).map((step) => {
    const change = (reason: string, gains: TeamChange["gains"]): TeamChange => ({
      action: step.action,
      team: declared.name,
      resource,
      reason,
      grants: rolesOf(declared),
      gains,
      unknown: declared.unknown,
    });
    switch (step.action) {
      case "rename":
        return change(`renamed "${observed.name}" -> "${declared.name}"`, []);
      case "roles": {
        const raised = beyond(rolesOf(declared), rolesOf(observed));
        return change(
          `roles ${describe(stored)} -> ${describe(declared)}`,
          after.filter((email) => observed.members.includes(email)).flatMap((email) => raised.map((grant) => ({ email, ...grant }))),
        );
      }
      case "add-member":
        return change(`joins: ${step.emails!.join(", ")}`, gainsOf(step, declared));
      default:
        return change(`leaves: ${step.emails!.join(", ")}`, []);
    }
  });
}

function removal(resource: string, stored: TeamState): TeamChange[] {
  const observed = observedOf(stored);
  const steps = planTeamRemoval(stored, observed);
  const unknown: string[] = [];
  return steps.map((step): TeamChange => {
    const base = { team: stored.name, resource, unknown, grants: rolesOf(step.to ?? observed) };
    if (step.action === "delete") return { ...base, action: "delete", reason: "the stack created it: deleted", gains: [] };
    if (step.action === "restore") return { ...base, action: "restore", reason: "adopted: set back to what was found", gains: [] };
    if (step.action === "roles") {
      const back = step.to!;
      const raised = beyond(rolesOf(back), rolesOf(observed));
      const stay = observed.members.filter((email) => !stored.membersAdded.includes(email));
      return {
        ...base,
        action: "roles",
        reason: `roles set back: ${describe(stored)} -> ${describe(back)}`,
        gains: stay.flatMap((email) => raised.map((grant) => ({ email, ...grant }))),
      };
    }
    if (step.action === "rename") return { ...base, action: "rename", reason: `name set back to "${step.to!.name}"`, gains: [] };
    return { ...base, action: step.action, reason: `leaves (added by the stack): ${step.emails!.join(", ")}`, gains: [] };
  });
}

const gainsOf = (step: TeamStep, declared: Declared) =>
  step.emails!.flatMap((email) => rolesOf(declared).map((grant) => ({ email, ...grant })));

type Roles = Pick<Observed, "organizationRole" | "workspaceRoles" | "deploymentRoles" | "dagRoles">;

/** What the Team grants beyond membership: its organization role (unless Member) and each role in a workspace, Deployment or DAG. */
function rolesOf(team: Roles): Grant[] {
  const scoped = declaredScopes(team);
  return [
    ...(team.organizationRole !== DEFAULT_ROLE ? [{ role: team.organizationRole, scope: "organization" as const }] : []),
    ...SCOPE_NAMES.flatMap((scope) => Object.entries(scoped[scope]).map(([where, role]) => ({ role, scope, where }))),
  ];
}

/** The grants of `after` that `before` does not hold. */
const beyond = (after: Grant[], before: Grant[]): Grant[] =>
  after.filter((grant) => !before.some((had) => had.role === grant.role && had.scope === grant.scope && had.where === grant.where));

/** A Team's roles in words (Astro's own workspace roles, which come and go with its Deployment roles, left out). */
const describe = (team: Roles) =>
  [
    team.organizationRole,
    ...rolesOf(team)
      .filter((grant) => grant.where !== undefined)
      .map((grant) => `${grant.role} in ${grant.where}`),
  ].join(", ");

/** The Team as its state last saw it, Astro's own workspace roles among its workspace roles (as Astro lists them). */
function observedOf(state: TeamState): Observed {
  return {
    name: state.name,
    description: state.description,
    organizationRole: state.organizationRole,
    workspaceRoles: { ...state.workspaceRoles, ...state.workspaceRolesByAstro },
    deploymentRoles: state.deploymentRoles,
    dagRoles: state.dagRoles,
    members: state.reportedMembers.map((member) => member.email),
    parentWorkspaces: Object.keys(state.workspaceRolesByAstro),
  };
}

function stateOf(resource: string, props: Record<string, unknown>): TeamState {
  try {
    return readTeamState(props);
  } catch (error) {
    throw new PreviewError(`${resource}: ${(error as Error).message}`);
  }
}

/** A role the preview does not show: it may be any role, so the gate counts it as the one it denies. */
const HIDDEN_ROLE = "(not shown)";

/** The declaration, with what the preview hides named in `unknown` and standing as HIDDEN_ROLE. */
type Declared = TeamInputs & { unknown: string[] };

function declaredOf(resource: string, inputs: Record<string, unknown> | undefined): Declared {
  if (!inputs) throw new PreviewError(`${resource}: a Team step without "newState.inputs": the preview does not say what is declared`);
  const unknown: string[] = [];
  // Hidden anywhere in the value: as it, an element, an entry's role or one of a DAG role's fields.
  const shown = (field: string, value: unknown): boolean => {
    const text = JSON.stringify(value ?? null);
    const hidden = [...HIDDEN].some((marker) => text.includes(marker));
    if (hidden) unknown.push(field);
    return !hidden;
  };
  const role = inputs.organizationRole ?? DEFAULT_ROLE;
  const roles = inputs.workspaceRoles ?? {};
  const deploymentRoles = inputs.deploymentRoles ?? {};
  const dagRoles = inputs.dagRoles ?? [];
  const members = inputs.members ?? null;
  return {
    name: shown("name", inputs.name) ? String(inputs.name) : "(name not shown)",
    description: String(inputs.description ?? ""),
    organizationRole: (shown("organizationRole", role) ? role : HIDDEN_ROLE) as TeamInputs["organizationRole"],
    workspaceRoles: (shown("workspaceRoles", roles) ? roles : { [HIDDEN_ROLE]: HIDDEN_ROLE }) as TeamInputs["workspaceRoles"],
    deploymentRoles: (shown("deploymentRoles", deploymentRoles)
      ? deploymentRoles
      : { [HIDDEN_ROLE]: HIDDEN_ROLE }) as TeamInputs["deploymentRoles"],
    dagRoles: (shown("dagRoles", dagRoles)
      ? dagRoles
      : [{ deploymentId: HIDDEN_ROLE, dagTag: HIDDEN_ROLE, role: HIDDEN_ROLE }]) as TeamInputs["dagRoles"],
    members:
      members === null || shown("members", members)
        ? (members as string[] | null)
        : (members as unknown[]).filter((email) => !HIDDEN.has(String(email))).map(String),
    organizationId: String(inputs.organizationId ?? ""),
    apiUrl: String(inputs.apiUrl ?? ""),
    unknown,
  };
}

/**
 * The gate: each person a Team change may grant `role` through. A role the preview hides counts as
 * `role`; members it hides, of a Team that grants `role`, count as one possible grant.
 */
export function teamGrants(changes: TeamChange[], role: string): string[] {
  const matches = mayGrant(role);
  return changes.flatMap((change) => [
    ...change.gains
      .filter(matches)
      .map(
        (gain) =>
          `${gain.email} (through Team ${change.team}: ${change.action}${gain.role === HIDDEN_ROLE ? `, a role not shown, so possibly ${role}` : ""})`,
      ),
    ...(change.unknown.includes("members") && change.grants.some(matches)
      ? [`Team ${change.team} (${change.action}, members not shown: possibly ${role})`]
      : []),
  ]);
}

/** What each Team the preview declares grants, by its name (whatever its step): for people who join it by name. */
export function teamRolesByName(preview: Preview): Map<string, TeamChange["grants"]> {
  const roles = new Map<string, TeamChange["grants"]>();
  for (const step of preview.steps ?? []) {
    const inputs = step.newState?.inputs;
    if (step.newState?.type !== TEAM_TYPE || !inputs || step.op === "delete") continue;
    const declared = declaredOf(step.urn, inputs);
    roles.set(declared.name, rolesOf(declared));
  }
  return roles;
}

/**
 * The gate for people who join a Team by name (their `teams`): what that Team grants when the preview
 * declares it; a Team declared elsewhere (or names the preview hides) may grant any role, so it counts.
 */
export function joinGrants(changes: MembershipChange[], roles: Map<string, TeamChange["grants"]>, role: string): string[] {
  const matches = mayGrant(role);
  return changes
    .filter((change) => change.action === "team" && (change.toRole !== null || change.unknown.includes("teams")))
    .flatMap((change) => {
      const known = change.team === undefined ? undefined : roles.get(change.team);
      if (!known)
        return [`${change.email} (joins ${change.team ? `Team ${change.team}` : "Teams not shown"}, declared elsewhere: possibly ${role})`];
      return known.some(matches) ? [`${change.email} (joins Team ${change.team})`] : [];
    });
}

/** Whether a grant may be `role`: it is, or it is a role the preview hides in a scope where `role` is held. */
const mayGrant =
  (role: string) =>
  (grant: Grant): boolean =>
    grant.role === role || (grant.role === HIDDEN_ROLE && scopesOf(role).includes(grant.scope));
