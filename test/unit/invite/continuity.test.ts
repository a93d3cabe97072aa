import { expect } from "chai";
import { continuedRecord, Declaration, EarlierRecord, earlierRecords } from "../../../provider/invite/continuity";
import { INVITE_TYPE } from "../../../provider/invite/resource-type";

/** Which earlier record a declaration continues: one record left without a declaration, one declaration without a record. */
const ORG = "clm9t0gbt000108jv4f1cfu8u";
const PREFIX = "urn:pulumi:dev::infra::";
const record = (name: string, email: string, organizationId = ORG, parents = ""): EarlierRecord => ({
  urn: `${PREFIX}${parents}${INVITE_TYPE}::${name}`,
  email,
  organizationId,
});
const declared = (name: string, email: string | undefined, organizationId?: string): Declaration => ({ name, email, organizationId });
const TEAM = "astro:index:OrganizationUserInvites$";

describe("continuedRecord: a moved or renamed declaration continues its person's record", () => {
  it("a standalone invite moved into a team continues the invite's record (email matched ignoring case)", () => {
    const moved = declared("data-jane@example.com", "jane@example.com");
    expect(continuedRecord(moved, [moved], [record("jane", "Jane@Example.com")])).to.equal(`${PREFIX}${INVITE_TYPE}::jane`);
  });

  it("a team member under a renamed team continues the old member's record; one moved out again continues it too", () => {
    const old = record("data-jane@example.com", "jane@example.com", ORG, TEAM);
    const renamed = declared("platform-jane@example.com", "jane@example.com");
    expect(continuedRecord(renamed, [renamed], [old])).to.equal(old.urn);
    const standalone = declared("jane", "jane@example.com", ORG);
    expect(continuedRecord(standalone, [standalone], [old])).to.equal(old.urn);
  });

  it("a declaration that has its own record continues nothing else", () => {
    const jane = declared("jane", "jane@example.com");
    expect(continuedRecord(jane, [jane], [record("jane", "jane@example.com"), record("old-jane", "jane@example.com")])).to.equal(undefined);
  });

  it("pairs nothing when it is not clear: two records left, two new declarations, or an email not known in the program", () => {
    const jane = declared("data-jane@example.com", "jane@example.com");
    expect(continuedRecord(jane, [jane], [record("jane", "jane@example.com"), record("jane2", "jane@example.com")])).to.equal(undefined);
    const twice = declared("ops-jane@example.com", "jane@example.com");
    expect(continuedRecord(jane, [jane, twice], [record("jane", "jane@example.com")])).to.equal(undefined);
    const computed = declared("jane-new", undefined);
    expect(continuedRecord(computed, [computed], [record("jane", "jane@example.com")])).to.equal(undefined);
  });

  it("a record whose resource is still declared (under another email now) is no one else's to continue", () => {
    const nowBob = declared("jane", "bob@example.com");
    const jane = declared("data-jane@example.com", "jane@example.com");
    expect(continuedRecord(jane, [nowBob, jane], [record("jane", "jane@example.com")])).to.equal(undefined);
  });

  it("a declaration that names another organization does not continue this one's record; one that names none may", () => {
    const elsewhere = declared("data-jane@example.com", "jane@example.com", "clmother00000000000000000");
    expect(continuedRecord(elsewhere, [elsewhere], [record("jane", "jane@example.com")])).to.equal(undefined);
    const fromConfig = declared("data-jane@example.com", "jane@example.com");
    expect(continuedRecord(fromConfig, [fromConfig], [record("jane", "jane@example.com")])).to.equal(`${PREFIX}${INVITE_TYPE}::jane`);
  });
});

describe("earlierRecords: the invites in the engine's answer for the stack's last snapshot", () => {
  it("keeps the invites that read as such, by URN, and nothing else", () => {
    const urn = `${PREFIX}${INVITE_TYPE}::jane`;
    const answer = {
      name: "organization/infra/dev",
      outputs: {
        [urn]: { type: INVITE_TYPE, outputs: { email: "jane@example.com", organizationId: ORG, status: "PENDING" } },
        [`${PREFIX}pulumi:pulumi:Stack::infra-dev`]: { type: "pulumi:pulumi:Stack", outputs: { email: "not@an.invite" } },
        [`${PREFIX}${INVITE_TYPE}::broken`]: { type: INVITE_TYPE, outputs: { email: 7 } },
      },
    };
    expect(earlierRecords(answer)).to.deep.equal([{ urn, email: "jane@example.com", organizationId: ORG }]);
    expect(earlierRecords({})).to.deep.equal([]);
    expect(earlierRecords(undefined)).to.deep.equal([]);
  });
});
