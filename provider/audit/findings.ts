import { emailKey, type User } from "../api/schemas";
import { DEFAULT_ROLE, WORKSPACE_ROLES } from "../roles";
import type { PersonDeclaration, TeamDeclaration } from "./declarations";
import type { OrganizationAccess, TeamAccess } from "./organization";

/**
 * The audit's one table: what in the organization grants access that no stack declares. Each kind, and
 * how it is brought under code, is declared here once; the renderers and the gate only read findings.
 */
export const FINDING_KINDS = {
  person: "a person no stack declares",
  drift: "a role above what a stack declares (drift: that stack's next `pulumi up --refresh` sets it back)",
  grant: "a workspace role of a declared person's own that no stack declares (`pulumi up` leaves it alone)",
  team: "a Team no stack declares, and what it grants its members",
} as const;
type FindingKind = keyof typeof FINDING_KINDS;

/** One role held: in the organization (no workspace), or in a workspace. */
export interface Grant {
  role: string;
  workspaceId?: string;
  /** The workspace's name, when the audit could read it. */
  workspace?: string;
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
  const names = new Map(access.workspaces.map((workspace) => [workspace.id, workspace.name]));
  const named = (grant: Grant): Grant =>
    grant.workspaceId && names.has(grant.workspaceId) ? { ...grant, workspace: names.get(grant.workspaceId) } : grant;
  const people = access.users
    .filter((user) => WITH_ACCESS.has(user.status))
    .sort((a, b) => emailKey(a.username).localeCompare(emailKey(b.username)))
    .flatMap((user) => personFindings(user, access.ownWorkspaceRoles.get(user.id) ?? [], byEmail.get(emailKey(user.username)) ?? []));
  const declaredTeams = declarations.teams.filter((d) => d.organizationId === organizationId);
  const teams = [...access.teams]
    .sort((a, b) => a.team.name.localeCompare(b.team.name))
    .flatMap((team) => {
      const declared = declaredTeams.filter((d) => d.teamId === team.team.id || (d.teamId === "" && d.name === team.team.name));
      return declared.length ? teamDrift(team, declared) : teamFinding(team);
    });
  return [...people, ...teams].map((finding) => ({ ...finding, grants: finding.grants.map(named) }));
}

/** Whether a finding makes anyone an Organization or Workspace Owner (a Team with no members makes no one). */
export function grantsOwner(finding: Finding): boolean {
  const owner = finding.grants.some((grant) => grant.role === "ORGANIZATION_OWNER" || grant.role === "WORKSPACE_OWNER");
  return owner && (finding.kind !== "team" || (finding.members ?? []).length > 0);
}

function personFindings(user: User, own: { workspaceId: string; role: string }[], declared: PersonDeclaration[]): Finding[] {
  const email = emailKey(user.username);
  const role = user.organizationRole ?? DEFAULT_ROLE;
  const base = { who: email, id: user.id, status: user.status };
  if (declared.length === 0) {
    const pending = user.status === "PENDING" ? ", with an invite pending: access once they accept" : "";
    return [
      {
        ...base,
        kind: "person",
        grants: [{ role }, ...own],
        declaredBy: [],
        why: `no stack declares ${email}${pending}`,
        fix: `astro-invites export --only ${email} writes them as a member file to declare (adopt) in a stack`,
      },
    ];
  }
  const stacks = unique(declared.map((d) => d.source));
  const drift = [
    ...(declared.some((d) => covers(d.role, role)) ? [] : [{ role }]),
    ...own.filter((entry) => {
      const roles = declared.flatMap((d) => (entry.workspaceId in d.workspaceRoles ? [d.workspaceRoles[entry.workspaceId]] : []));
      return roles.length > 0 && !roles.some((declaredRole) => coversWorkspace(declaredRole, entry.role));
    }),
  ];
  const undeclared = own.filter((entry) => !declared.some((d) => entry.workspaceId in d.workspaceRoles));
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
    ...(undeclared.length
      ? [
          {
            ...base,
            kind: "grant" as const,
            grants: undeclared,
            declaredBy: stacks,
            why: `${email} holds workspace roles of their own that ${stacks.join(" and ")} does not declare, and \`pulumi up\` leaves alone`,
            fix: `declare them in ${email}'s workspaceRoles (astro-invites export --only ${email} shows them), or remove them in Astro`,
          },
        ]
      : []),
  ];
}

function teamFinding({ team, members }: TeamAccess): Finding[] {
  const grants = [
    ...(team.organizationRole && team.organizationRole !== DEFAULT_ROLE ? [{ role: team.organizationRole }] : []),
    ...(team.workspaceRoles ?? []),
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
function teamDrift({ team, members }: TeamAccess, declared: TeamDeclaration[]): Finding[] {
  const stacks = unique(declared.map((d) => d.source));
  const role = team.organizationRole ?? DEFAULT_ROLE;
  const roles = [
    ...(declared.some((d) => covers(d.organizationRole, role)) ? [] : [{ role }]),
    ...(team.workspaceRoles ?? []).filter(
      (entry) =>
        !declared.some((d) => entry.workspaceId in d.workspaceRoles && coversWorkspace(d.workspaceRoles[entry.workspaceId], entry.role)),
    ),
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

/** Workspace roles are a ladder (WORKSPACE_ROLES, most privileged first); a role not on it is covered only by itself. */
function coversWorkspace(declared: string, held: string): boolean {
  const rank = (role: string) => (WORKSPACE_ROLES as readonly string[]).indexOf(role);
  return declared === held || (rank(held) >= 0 && rank(declared) >= 0 && rank(declared) <= rank(held));
}

const unique = (values: string[]): string[] => [...new Set(values)];
