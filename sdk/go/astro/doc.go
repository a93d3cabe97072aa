// Astronomer (Astro) organization membership: invites, roles, acceptance and clean-up through the Astro API.
package astro
