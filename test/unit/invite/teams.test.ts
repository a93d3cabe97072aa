import { expect } from "chai";
import * as lifecycle from "../../../provider/invite/lifecycle";
import type { InviteState } from "../../../provider/invite/schema";
import { Emulator, startEmulator } from "../../../provider/emulator/server";
import { configureFor, createInvite } from "../../support/lifecycle";

describe("an invite's teams: joining Teams owned elsewhere, by name", () => {
  let emulator: Emulator;
  let org: string;
  beforeEach(async () => {
    emulator = await startEmulator({ rateLimits: false });
    org = emulator.organizationId;
    await configureFor(emulator);
  });
  afterEach(() => emulator.stop());

  const memberIds = (name: string) => emulator.organization().teams.find((t) => t.name === name)!.memberIds;
  const userId = (email: string) => emulator.organization().users.find((u) => u.username === email)!.id;
  /** refresh, then the diff and update a following `up` would run. */
  async function refreshAndUp(state: InviteState, teams: string[]): Promise<{ changed: boolean; state: InviteState }> {
    await configureFor(emulator);
    const refreshed = (await lifecycle.read(`${org}/${state.email}`, state)).props!;
    const { inputs } = await lifecycle.check({}, { organizationId: org, email: state.email, teams });
    const diff = await lifecycle.diff("id", refreshed, { ...inputs });
    if (!diff.changes) return { changed: false, state: refreshed };
    return { changed: true, state: (await lifecycle.update(`${org}/${state.email}`, refreshed, { ...inputs })).outs };
  }

  it("joins a Team, leaves it when the name is removed; a Team they were in before is never taken from them", async () => {
    const kim = emulator.state.seedMember(org, "kim@example.com", "ORGANIZATION_MEMBER");
    emulator.state.seedTeam(org, "Ops", []);
    emulator.state.seedTeam(org, "Before", [kim]);
    const { outs } = await createInvite(emulator, { email: "kim@example.com", teams: ["Ops", "Before"] });
    expect(outs).to.deep.include({ teams: ["Before", "Ops"], teamsDeferred: false });
    expect(Object.keys(outs.teamsJoined)).to.deep.equal(["Ops"]);
    expect(memberIds("Ops")).to.deep.equal([kim]);

    const left = await refreshAndUp(outs, []);
    expect(left.changed).to.equal(true);
    expect(memberIds("Ops")).to.deep.equal([]);
    expect(memberIds("Before"), "theirs before the stack").to.deep.equal([kim]);
    expect(left.state.teamsJoined).to.deep.equal({});
  });

  it("a pending invitee Astro will not add waits, joins after acceptance; destroy takes them out", async () => {
    emulator.state.seedTeam(org, "Ops", []);
    const { outs } = await createInvite(emulator, { email: "pat@example.com", teams: ["Ops"] });
    expect(outs).to.deep.include({ status: "PENDING", teams: [], teamsDeferred: true });
    expect((await refreshAndUp(outs, ["Ops"])).changed, "nothing while pending").to.equal(false);
    emulator.state.acceptInviteOf(org, "pat@example.com");
    const joined = await refreshAndUp(outs, ["Ops"]);
    expect(joined.changed).to.equal(true);
    expect(joined.state).to.deep.include({ teams: ["Ops"], teamsDeferred: false });
    expect(memberIds("Ops")).to.deep.equal([userId("pat@example.com")]);
    await configureFor(emulator);
    await lifecycle.remove(`${org}/pat@example.com`, joined.state);
    expect(memberIds("Ops")).to.deep.equal([]);
  });

  it("a Team that does not exist, two of one name, or one the identity provider manages: refused before the invite is sent", async () => {
    emulator.state.seedTeam(org, "Twins", []);
    emulator.state.seedTeam(org, "Twins", []);
    emulator.state.seedTeam(org, "Okta", [], { isIdpManaged: true });
    const error = await createInvite(emulator, { email: "new@example.com", teams: ["Nope", "Twins", "Okta"] }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.match(
      /^teams: no Team is named "Nope"; Team "Okta" is managed by the identity provider, .*; "Twins" names 2 Teams \(c\w+, c\w+\)/,
    );
    expect(emulator.log.filter((e) => e.method !== "GET")).to.deep.equal([]);
  });

  it("with SCIM on, Astro refuses Team membership changes: said before the invite is sent", async () => {
    emulator.state.seedTeam(org, "Ops", []);
    emulator.state.setScimEnabled(org, true);
    const error = await createInvite(emulator, { email: "new@example.com", teams: ["Ops"] }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.contain("Nothing was sent for new@example.com: teams names Ops, but organization");
    expect(error?.message).to.contain("has SCIM provisioning on");
    expect(emulator.log.filter((e) => e.method !== "GET")).to.deep.equal([]);
  });

  it("check names the field: not a list, an empty name, a name twice", async () => {
    const reasons = async (teams: unknown) =>
      (await lifecycle.check({}, { organizationId: org, email: "a@example.com", teams })).failures.map((f) => `${f.property}: ${f.reason}`);
    expect(await reasons("Ops")).to.deep.equal(['teams: teams must be a list of Team names, such as ["Data Platform"], got "Ops"']);
    expect(await reasons(["Ops", " "])).to.deep.equal(['teams: teams[1] must be a Team\'s name, got " "']);
    expect(await reasons(["Ops", "Ops "])).to.deep.equal(["teams: teams[1]: Ops is listed twice"]);
  });
});
