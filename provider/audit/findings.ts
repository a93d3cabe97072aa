import { emailKey, type Deployment, type User } from "../api/schemas";
import { declaredScopes, RoleEntry, Scope, SCOPE_NAMES, ScopedRoles, SCOPES } from "../invite/plan";
import { DAG_ROLES, DEFAULT_ROLE, DEPLOYMENT_ROLES, WORKSPACE_ROLES } from "../roles";
import { astrosWorkspaceRoles, parentWorkspacesOf } from "../team/plan";
import type { PersonDeclaration, TeamDeclaration } from "./declarations";
import type { OrganizationAccess, ScopedEntries, TeamAccess } from "./organization";

/**
 * The audit's one table: what in the organization grants access that no stack declares. Each kind, and
 * how it is brought under code, is declared here once; the renderers and the gate only read findings.
 */
export const FINDING_KINDS = {
  person: "a person no stack declares",
  drift: "a role above what a stack declares (drift: that stack's next `pulumi up --refresh` sets it back)",
  grant: "a workspace, Deployment or DAG role of a declared person's own that no stack declares (`pulumi up` leaves it alone)",
  team: "a Team no stack declares, and what it grants its members",
} as const;
type FindingKind = keyof typeof FINDING_KINDS;

/** One role held: in the organization (no ids), in a workspace, on a Deployment, or on a DAG or DAG tag of one. */
export interface Grant {
  role: string;
  workspaceId?: string;
  /** The workspace's name, when the audit could read it. */
  workspace?: string;
  deploymentId?: string;
  /** The Deployment's name, when the audit could read it. */
  deployment?: string;
  /** For a DAG role: the DAG (`dag:ID`) or DAG tag (`tag:TAG`) on the Deployment. */
  dag?: string;
}

export interface Finding {
  kind: FindingKind;
  /** The person's email, or the Team's name. */
  who: string;
  /** The Astro user or Team id. */
  id: string;
  /** A person's status (PENDING: an invite no stack sent is access once accepted). */
  status?: string;
  /** What they hold that no stack declares (for drift: the roles above the declaration). */
  grants: Grant[];
  /** A Team's members, by email. */
  members?: string[];
  /** A Team its organization's identity provider manages. */
  isIdpManaged?: boolean;
  /** The stacks that declare the person (drift: these set it back). */
  declaredBy: string[];
  /** One sentence: why this is reported. */
  why: string;
  /** How to bring it under code. */
  fix: string;
}

/** Statuses that can use the organization: ACTIVE, and PENDING (an invite is access on acceptance). */
const WITH_ACCESS = new Set(["ACTIVE", "PENDING"]);

/** The access granted in `access` that none of the declarations declares, people first, then Teams; each sorted. */
export function findings(
  access: OrganizationAccess,
  declarations: { people: PersonDeclaration[]; teams: TeamDeclaration[] },
  organizationId: string,
): Finding[] {
  const byEmail = new Map<string, PersonDeclaration[]>();
  for (const declaration of declarations.people.filter((d) => d.organizationId === organizationId)) {
    byEmail.set(declaration.email, [...(byEmail.get(declaration.email) ?? []), declaration]);
  }
  const names = new Map([...access.workspaces, ...access.deployments].map((item) => [item.id, item.name]));
  const named = (grant: Grant): Grant => ({
    ...grant,
    ...(grant.workspaceId && names.has(grant.workspaceId) ? { workspace: names.get(grant.workspaceId) } : {}),
    ...(grant.deploymentId && names.has(grant.deploymentId) ? { deployment: names.get(grant.deploymentId) } : {}),
  });
  const held = heldBy(access.deployments);
  const people = access.users
    .filter((user) => WITH_ACCESS.has(user.status))
    .sort((a, b) => emailKey(a.username).localeCompare(emailKey(b.username)))
    .flatMap((user) => personFindings(user, held(access.ownRoles.get(user.id)), byEmail.get(emailKey(user.username)) ?? []));
  const declaredTeams = declarations.teams.filter((d) => d.organizationId === organizationId);
  const teams = [...access.teams]
    .sort((a, b) => a.team.name.localeCompare(b.team.name))
    .flatMap((team) => {
      const declared = declaredTeams.filter((d) => d.teamId === team.team.id || (d.teamId === "" && d.name === team.team.name));
      const roles = held({
        workspace: team.team.workspaceRoles ?? [],
        deployment: team.team.deploymentRoles ?? [],
        dag: team.team.dagRoles ?? [],
      });
      return declared.length ? teamDrift(team, roles, declared) : teamFinding(team, roles);
    });
  return [...people, ...teams].map((finding) => ({ ...finding, grants: finding.grants.map(named) }));
}

/** Whether a finding makes anyone an Organization or Workspace Owner (a Team with no members makes no one). */
export function grantsOwner(finding: Finding): boolean {
  const owner = finding.grants.some((grant) => grant.role === "ORGANIZATION_OWNER" || grant.role === "WORKSPACE_OWNER");
  return owner && (finding.kind !== "team" || (finding.members ?? []).length > 0);
}

function personFindings(user: User, own: Held, declared: PersonDeclaration[]): Finding[] {
  const email = emailKey(user.username);
  const role = user.organizationRole ?? DEFAULT_ROLE;
  const base = { who: email, id: user.id, status: user.status };
  if (declared.length === 0) {
    const pending = user.status === "PENDING" ? ", with an invite pending: access once they accept" : "";
    return [
      {
        ...base,
        kind: "person",
        grants: [{ role }, ...grantsOf(own.entries)],
        declaredBy: [],
        why: `no stack declares ${email}${pending}`,
        fix: `astro-invites export --only ${email} writes them as a member file to declare (adopt) in a stack`,
      },
    ];
  }
  const stacks = unique(declared.map((d) => d.source));
  const { above, undeclared } = beyondDeclared(own, declared);
  const drift = [...(declared.some((d) => covers(d.role, role)) ? [] : [{ role }]), ...grantsOf(above)];
  const declaredRoles = unique(declared.map((d) => `${d.role} (${d.source})`)).join(", ");
  return [
    ...(drift.length
      ? [
          {
            ...base,
            kind: "drift" as const,
            grants: drift,
            declaredBy: stacks,
            why: `${email} holds more than declared (${declaredRoles}); ${stacks.join(" and ")} sets it back on its next \`pulumi up --refresh\``,
            fix: `pulumi up --refresh on ${stacks.join(" and ")} (or declare the higher role there, if it is meant)`,
          },
        ]
      : []),
    ...(SCOPE_NAMES.some((scope) => undeclared[scope].length)
      ? [
          {
            ...base,
            kind: "grant" as const,
            grants: grantsOf(undeclared),
            declaredBy: stacks,
            why: `${email} holds roles of their own that ${stacks.join(" and ")} does not declare, and \`pulumi up\` leaves alone`,
            fix: `declare them in ${email}'s workspaceRoles, deploymentRoles or dagRoles (astro-invites export --only ${email} shows them), or remove them in Astro`,
          },
        ]
      : []),
  ];
}

function teamFinding({ team, members }: TeamAccess, roles: Held): Finding[] {
  const grants = [
    ...(team.organizationRole && team.organizationRole !== DEFAULT_ROLE ? [{ role: team.organizationRole }] : []),
    ...grantsOf(roles.entries),
  ];
  // A Team granting nothing beyond membership gives its members nothing they do not have.
  if (grants.length === 0) return [];
  const count = `${members.length} member${members.length === 1 ? "" : "s"}`;
  return [
    {
      kind: "team",
      who: team.name,
      id: team.id,
      grants,
      members: members.map((member) => emailKey(member.username)).sort(),
      isIdpManaged: team.isIdpManaged,
      declaredBy: [],
      why: `no stack declares Team ${team.name}; its ${count} hold what it grants${team.isIdpManaged ? " (managed by the identity provider)" : ""}`,
      fix: team.isIdpManaged
        ? "change it in the identity provider that manages it, or allow it (--allow) with a reason"
        : `declare it with a Team resource (name "${team.name}": adopted as found, nothing sent), remove it in Astro, or allow it (--allow) with a reason`,
    },
  ];
}

/** A declared Team holding more than its declarations: roles above them, or members none of them lists (when one owns the list). */
function teamDrift({ team, members }: TeamAccess, held: Held, declared: TeamDeclaration[]): Finding[] {
  const stacks = unique(declared.map((d) => d.source));
  const role = team.organizationRole ?? DEFAULT_ROLE;
  // A Team's lists are whole: a role where no declaration gives one is above it too.
  const { above, undeclared } = beyondDeclared(held, declared);
  const roles = [
    ...(declared.some((d) => covers(d.organizationRole, role)) ? [] : [{ role }]),
    ...grantsOf(above),
    ...grantsOf(undeclared),
  ];
  const owners = declared.filter((d) => d.members !== null);
  const emails = members.map((member) => emailKey(member.username));
  const extra = owners.length ? emails.filter((email) => !owners.some((d) => d.members!.includes(email))) : [];
  if (roles.length === 0 && extra.length === 0) return [];
  const what = [
    ...(roles.length ? ["roles above its declaration"] : []),
    ...(extra.length ? [`members no declaration lists (${extra.join(", ")})`] : []),
  ].join(" and ");
  return [
    {
      kind: "drift",
      who: team.name,
      id: team.id,
      grants: roles,
      members: (roles.length ? emails : extra).sort(),
      isIdpManaged: team.isIdpManaged,
      declaredBy: stacks,
      why: `Team ${team.name} has ${what}; ${stacks.join(" and ")} sets it back on its next \`pulumi up --refresh\``,
      fix: `pulumi up --refresh on ${stacks.join(" and ")} (or declare it there, if it is meant)`,
    },
  ];
}

/**
 * Whether holding `held` gives nothing beyond `declared`. Organization roles are not a ladder: Owner
 * covers every role, every role covers Member, Observe Admin covers Observe Member; else only itself.
 */
function covers(declared: string, held: string): boolean {
  if (declared === held || declared === "ORGANIZATION_OWNER" || held === DEFAULT_ROLE) return true;
  return declared === "ORGANIZATION_OBSERVE_ADMIN" && held === "ORGANIZATION_OBSERVE_MEMBER";
}

/**
 * Roles below the organization, each scope a ladder (most privileged first: WORKSPACE_ROLES, DAG_ROLES);
 * a custom role is covered only by itself.
 */
const LADDERS: Record<Scope, readonly string[]> = { workspace: WORKSPACE_ROLES, deployment: DEPLOYMENT_ROLES, dag: DAG_ROLES };
function coversIn(scope: Scope, declared: string, held: string): boolean {
  const rank = (role: string) => LADDERS[scope].indexOf(role);
  return declared === held || (rank(held) >= 0 && rank(declared) >= 0 && rank(declared) <= rank(held));
}

/**
 * What a person or Team holds below the organization, by scope, without the WORKSPACE_ACCESSOR Astro
 * adds in the workspace of one of their Deployment or DAG roles (Astro's, not a grant of its own) unless
 * a declaration names that workspace.
 */
interface Held {
  entries: ScopedEntries;
  /** The workspaces where Astro may have added WORKSPACE_ACCESSOR for their Deployment and DAG roles. */
  parentWorkspaces: string[];
}

const heldBy =
  (deployments: Deployment[]) =>
  (entries: ScopedEntries = { workspace: [], deployment: [], dag: [] }): Held => {
    const ids = [...entries.deployment, ...entries.dag].map((entry) => entry.deploymentId!);
    return { entries, parentWorkspaces: parentWorkspacesOf(ids, deployments) };
  };

/** Each held entry a declaration names, none covering it (`above`), and each no declaration names (`undeclared`). */
function beyondDeclared(held: Held, declared: Parameters<typeof declaredScopes>[0][]): { above: ScopedEntries; undeclared: ScopedEntries } {
  const scopes = declared.map(declaredScopes);
  const declaredWorkspaces: ScopedRoles = Object.assign({}, ...scopes.map((d) => d.workspace));
  const workspaceRoles = Object.fromEntries(held.entries.workspace.map((entry) => [entry.workspaceId!, entry.role]));
  const astros = astrosWorkspaceRoles({ workspaceRoles, parentWorkspaces: held.parentWorkspaces }, declaredWorkspaces);
  const split = (scope: Scope, test: (entry: RoleEntry, roles: string[]) => boolean) =>
    held.entries[scope].filter((entry) => {
      const key = SCOPES[scope].key(entry);
      if (scope === "workspace" && key in astros) return false;
      return test(
        entry,
        scopes.flatMap((d) => (key in d[scope] ? [d[scope][key]] : [])),
      );
    });
  const each = (test: (scope: Scope) => (entry: RoleEntry, roles: string[]) => boolean) =>
    Object.fromEntries(SCOPE_NAMES.map((scope) => [scope, split(scope, test(scope))])) as ScopedEntries;
  return {
    above: each((scope) => (entry, roles) => roles.length > 0 && !roles.some((role) => coversIn(scope, role, entry.role))),
    undeclared: each(() => (_entry, roles) => roles.length === 0),
  };
}

/** Role entries of every scope as the audit's grants. */
const grantsOf = (entries: ScopedEntries): Grant[] =>
  SCOPE_NAMES.flatMap((scope) =>
    entries[scope].map((entry): Grant => {
      if (scope === "workspace") return { role: entry.role, workspaceId: entry.workspaceId };
      if (scope === "deployment") return { role: entry.role, deploymentId: entry.deploymentId };
      const key = SCOPES.dag.key(entry);
      return { role: entry.role, deploymentId: entry.deploymentId, dag: key.slice(key.indexOf("/") + 1) };
    }),
  );

const unique = (values: string[]): string[] => [...new Set(values)];
