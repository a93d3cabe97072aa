import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_ROLE, OrganizationRole, WorkspaceRole } from "../roles";
import { OrganizationUserInvite, OrganizationUserInviteArgs } from "../invite/resource";
import { dagKey } from "../invite/plan";
import type { DagRole, InviteStatus } from "../invite/schema";
import { checkMembers, DeclaredMember, readTeamFile, TeamDeclarationError, TeamMember } from "./members";

export interface OrganizationUserInvitesArgs {
  /** A member file: `email ROLE` lines (ROLE optional, `#` comments) or CSV with an `email,role` header. */
  file?: string;
  /** The team inline, instead of a file. */
  members?: (DeclaredMember & { role?: OrganizationRole; workspaceRoles?: Record<string, WorkspaceRole>; teams?: string[] })[];
  /**
   * Applied to every member: the invites' arguments other than email, and the role of members without
   * one (a plain value: the whole declaration is checked before anything is registered).
   */
  defaults?: Omit<OrganizationUserInviteArgs, "email" | "role"> & { role?: OrganizationRole };
}

export interface TeamMemberState {
  status: InviteStatus;
  role: string;
  inviteId: string;
  userId: string;
}

/**
 * Many people as one declaration: one OrganizationUserInvite per person, named from the normalized email,
 * so that reordering or adding lines changes nothing else in a preview. The declaration is checked as a
 * whole before any resource is registered: every problem is reported at once, with its file line.
 */
export class OrganizationUserInvites extends pulumi.ComponentResource {
  /** Per email: status, role, inviteId and userId. */
  declare readonly members: pulumi.Output<Record<string, TeamMemberState>>;
  /** How many members are in each status (PENDING, ACTIVE, ...). */
  declare readonly counts: pulumi.Output<Record<string, number>>;
  /** The invite resources, by normalized email. */
  readonly invites: Record<string, OrganizationUserInvite>;

  constructor(name: string, args: OrganizationUserInvitesArgs, opts?: pulumi.ComponentResourceOptions) {
    const team = declaredTeam(args);
    super("astro:index:OrganizationUserInvites", name, {}, opts);
    const {
      role: _role,
      workspaceRoles: teamWorkspaces,
      deploymentRoles: teamDeployments,
      dagRoles: teamDags,
      teams: defaultTeams,
      ...shared
    } = args.defaults ?? {};
    this.invites = Object.fromEntries(
      team.map((member) => [
        member.email,
        new OrganizationUserInvite(
          `${name}-${member.email}`,
          {
            ...shared,
            email: member.email,
            role: member.role,
            workspaceRoles: mapOver(teamWorkspaces, member.workspaceRoles),
            deploymentRoles: mapOver(teamDeployments, member.deploymentRoles),
            dagRoles: dagRolesOf(teamDags, member.dagRoles),
            ...teamsOf(defaultTeams, member.teams),
          },
          { parent: this, aliases: member.aliases.map(earlierDeclaration) },
        ),
      ]),
    );
    const states = Object.entries(this.invites).map(([email, invite]) =>
      pulumi
        .all([invite.status, invite.role, invite.inviteId, invite.userId])
        .apply(([status, role, inviteId, userId]) => [email, { status, role, inviteId, userId }] as const),
    );
    const members = pulumi.all(states).apply((entries) => Object.fromEntries(entries) as Record<string, TeamMemberState>);
    const counts = members.apply((all) => {
      const tally: Record<string, number> = {};
      for (const { status } of Object.values(all)) tally[status] = (tally[status] ?? 0) + 1;
      return tally;
    });
    Object.assign(this, { members, counts });
    this.registerOutputs({ members, counts });
  }
}

/** The team's default roles (by workspace or Deployment) with the member's own over them. */
function mapOver<R extends string>(
  team: pulumi.Input<Record<string, R>> | undefined,
  member: Record<string, R>,
): pulumi.Input<Record<string, R>> {
  return team === undefined ? member : pulumi.output(team).apply((defaults) => ({ ...(defaults as Record<string, R>), ...member }));
}

/** The team's default DAG roles and the member's own, the member's replacing a default for the same DAG or tag. */
function dagRolesOf(team: pulumi.Input<pulumi.Input<DagRole>[]> | undefined, member: DagRole[]): pulumi.Input<DagRole[]> {
  if (team === undefined) return member;
  const own = new Set(member.map(dagKey));
  return pulumi.output(team).apply((defaults) => [...defaults.filter((entry) => !own.has(dagKey(entry))), ...member]);
}

/** The defaults' Teams and the member's own, once each; none declared: no `teams` at all. */
function teamsOf(defaults: pulumi.Input<pulumi.Input<string>[]> | undefined, member: string[]): { teams?: pulumi.Input<string[]> } {
  if (defaults === undefined) return member.length ? { teams: member } : {};
  return { teams: pulumi.output(defaults).apply((names) => [...new Set([...names, ...member])]) };
}

/** A member's alias: a URN as written, or the name of an invite declared at the program's top level. */
function earlierDeclaration(alias: string): pulumi.Alias | string {
  return alias.startsWith("urn:") ? alias : { name: alias, parent: pulumi.rootStackResource };
}

function declaredTeam(args: OrganizationUserInvitesArgs): TeamMember[] {
  const defaultRole = args.defaults?.role ?? DEFAULT_ROLE;
  if ((args.file === undefined) === (args.members === undefined)) {
    throw new Error("OrganizationUserInvites needs exactly one of `file` (a member file) or `members` (a list)");
  }
  try {
    return args.file !== undefined ? readTeamFile(args.file, defaultRole) : checkMembers(args.members!, defaultRole);
  } catch (error) {
    // A RunError ends the program with its message alone, without a stack trace around it.
    if (error instanceof TeamDeclarationError) throw new pulumi.RunError(error.message);
    throw error;
  }
}
