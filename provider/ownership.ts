import * as pulumi from "@pulumi/pulumi";

/**
 * Membership in one place, within a program: a Team whose `members` a Team resource declares owns its
 * whole member list, so a person may not also join it through their own `teams`. Whichever of the two
 * is declared second fails the program (and so the preview), naming both and what to do.
 */
const owners = new Map<string, string>();
const joiners = new Map<string, string>();

function refuse(team: string, owner: string, joiner: string): never {
  throw new Error(
    `Team "${team}" is declared in two places: the Team ${owner} declares its whole member list, and the invite ${joiner} ` +
      `names it in \`teams\`. Declare the membership in one place: add the person to ${owner}'s \`members\`, or leave \`members\` unset there.`,
  );
}

/** A Team resource that declares `members`. */
export function ownsMembers(name: pulumi.Input<string>, resource: string): void {
  pulumi.output(name).apply((team) => {
    owners.set(team, resource);
    const joiner = joiners.get(team);
    if (joiner) refuse(team, resource, joiner);
  });
}

/** An invite that names Teams in `teams`. */
export function joins(teams: pulumi.Input<pulumi.Input<string>[]>, resource: string): void {
  pulumi.output(teams).apply((names) => {
    for (const team of names.map((name) => name.trim())) {
      joiners.set(team, resource);
      const owner = owners.get(team);
      if (owner) refuse(team, owner, resource);
    }
  });
}
