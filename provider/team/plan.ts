import { keyed } from "../invite/plan";
import type { Found, TeamInputs, TeamState } from "./schema";

/**
 * The Team's semantics table: what a step does to a Team, decided from what Astro has now (`Observed`),
 * what the program declares, and what the stack recorded. The lifecycle acts on the steps; nothing
 * else decides what is sent.
 */

/** Each action, with what it means. */
export const TEAM_ACTION_MEANINGS = {
  create: "no Team of that name: created with the declared roles and its active members",
  adopt: "exactly one Team of that name, made outside the stack: recorded as found, and nothing sent unless the declaration differs",
  rename: "the Team's name or description changes in place (never a delete and create)",
  roles: "the Team's organization, workspace, Deployment or DAG roles change: every member gains or loses them",
  "add-member": "a declared member joins the Team, and so gains its roles",
  "remove-member":
    "someone in the Team the declaration does not list (added outside the stack, or removed from the program) leaves it, losing its grants and nothing else",
  delete: "a Team the stack created, removed from the program or destroyed: deleted",
  restore:
    "an adopted Team removed from the program or destroyed: the members the stack added leave, its name and roles are set back to what was found",
} as const;
type TeamAction = keyof typeof TEAM_ACTION_MEANINGS;

/**
 * A Team as Astro has it now: what the table compares with the declaration. Its workspace roles are all
 * Astro lists, Astro's own among them (astrosWorkspaceRoles tells them apart).
 */
export type Observed = Found & {
  /** The workspaces of the Team's Deployment and DAG roles: where Astro may have added a workspace role itself. */
  parentWorkspaces: string[];
};

/** The Team's fields a rename or roles step sends: the whole of each (a list sent replaces the Team's). */
type TeamFields = Pick<Found, "name" | "description" | "organizationRole" | "workspaceRoles" | "deploymentRoles" | "dagRoles">;

export interface TeamStep {
  action: TeamAction;
  /** For members: who. */
  emails?: string[];
  /** For rename and roles: the Team's fields to send. */
  to?: TeamFields;
}

/**
 * The workspace roles Astro gave a Team (or person) itself: a Deployment or DAG role in a workspace where
 * they have no role makes Astro add WORKSPACE_ACCESSOR there (the reference). One the declaration
 * (`declared`, the workspace roles it names) does not name, in the workspace of one of their Deployment or
 * DAG roles, is Astro's: never drift, never sent back; it leaves with those roles. The audit reads it so too.
 */
export function astrosWorkspaceRoles(
  observed: Pick<Observed, "workspaceRoles" | "parentWorkspaces">,
  declared: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(observed.workspaceRoles).filter(
      ([workspaceId, role]) =>
        role === "WORKSPACE_ACCESSOR" && !(workspaceId in declared) && observed.parentWorkspaces.includes(workspaceId),
    ),
  );
}

/** Their own workspace roles: all Astro lists, Astro's own (astrosWorkspaceRoles) left out. */
export function ownWorkspaceRoles(
  observed: Pick<Observed, "workspaceRoles" | "parentWorkspaces">,
  declared: Record<string, string>,
): Record<string, string> {
  const astros = astrosWorkspaceRoles(observed, declared);
  return Object.fromEntries(Object.entries(observed.workspaceRoles).filter(([workspaceId]) => !(workspaceId in astros)));
}

/** The workspaces of these Deployments (where Astro may add a workspace role for a Deployment or DAG role on them). */
export const parentWorkspacesOf = (deploymentIds: string[], deployments: { id: string; workspaceId: string }[]): string[] =>
  deployments.filter((deployment) => deploymentIds.includes(deployment.id)).map((deployment) => deployment.workspaceId);

/**
 * create: which Team a declaration is, by its name. None: create it; one: adopt it. Two or more, or one
 * the identity provider manages: refused (the reason says why), before anything is sent.
 */
export function planTeamOrigin(
  name: string,
  named: { id: string; isIdpManaged: boolean }[],
): { action: "create" | "adopt" } | { refused: string } {
  if (named.length > 1) {
    return {
      refused: `name "${name}" matches ${named.length} Teams (${named.map((team) => team.id).join(", ")}): rename all but one in Astro, so that the stack knows which one it declares`,
    };
  }
  if (named[0]?.isIdpManaged) {
    return {
      refused: `Team "${name}" (${named[0].id}) is managed by the organization's identity provider (isIdpManaged): Astro does not let the API change it, so no stack can declare it; manage it in the identity provider`,
    };
  }
  return { action: named.length === 1 ? "adopt" : "create" };
}

/** update (and adopt, after recording what was found): bring the Team to the declaration. */
export function planTeamUpdate(observed: Observed, declared: TeamInputs): TeamStep[] {
  const steps: TeamStep[] = [];
  const to = fieldsOf(declared);
  if (observed.name !== declared.name || observed.description !== declared.description) steps.push({ action: "rename", to });
  if (!holds(observed, to)) steps.push({ action: "roles", to });
  if (declared.members !== null) {
    const leaving = observed.members.filter((email) => !declared.members!.includes(email));
    const joining = declared.members.filter((email) => !observed.members.includes(email));
    if (leaving.length) steps.push({ action: "remove-member", emails: leaving });
    if (joining.length) steps.push({ action: "add-member", emails: joining });
  }
  return steps;
}

/** delete (removed from the program, or destroy): undo what the stack did, and no more. Nothing when the Team is gone. */
export function planTeamRemoval(state: TeamState, observed: Observed | undefined): TeamStep[] {
  if (!observed) return [];
  if (!state.adopted || !state.found) return [{ action: "delete" }];
  const found = state.found;
  const added = state.membersAdded.filter((email) => observed.members.includes(email));
  const changedFields = observed.name !== found.name || observed.description !== found.description;
  const back = fieldsOf(found);
  return [
    { action: "restore" },
    ...(added.length ? [{ action: "remove-member" as const, emails: added }] : []),
    ...(changedFields ? [{ action: "rename" as const, to: back }] : []),
    ...(holds(observed, back) ? [] : [{ action: "roles" as const, to: back }]),
  ];
}

const fieldsOf = (team: TeamFields): TeamFields => ({
  name: team.name,
  description: team.description,
  organizationRole: team.organizationRole,
  workspaceRoles: team.workspaceRoles,
  deploymentRoles: team.deploymentRoles,
  dagRoles: team.dagRoles,
});

/** Whether the Team holds exactly these roles, Astro's own workspace roles aside. */
function holds(observed: Observed, roles: TeamFields): boolean {
  return (
    observed.organizationRole === roles.organizationRole &&
    sameRoles(ownWorkspaceRoles(observed, roles.workspaceRoles), roles.workspaceRoles) &&
    sameRoles(observed.deploymentRoles, roles.deploymentRoles) &&
    sameRoles(keyed("dag", observed.dagRoles), keyed("dag", roles.dagRoles))
  );
}

function sameRoles(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
