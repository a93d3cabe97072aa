import { OrganizationUserInvites } from "pulumi-astro-invites";

// One declaration for a whole team. Each person becomes an OrganizationUserInvite named after their
// email, so adding or reordering lines only ever touches the lines that changed.
const dataTeam = new OrganizationUserInvites("data-team", {
  file: "team.txt",
  defaults: { onDelete: "demote" },
});

export const members = dataTeam.members;
export const counts = dataTeam.counts;
