import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { OrganizationUserInvites } from "../../../provider/members/resource";
import { mockResources } from "../../support/mocks";

const ORG = "clm9t0gbt000108jv4f1cfu8u";

describe("OrganizationUserInvites under setMocks", () => {
  let registered: pulumi.runtime.MockResourceArgs[];
  beforeEach(() => {
    registered = mockResources((args) => ({
      status: args.inputs.email === "grace@example.com" ? "ACTIVE" : "PENDING",
      inviteId: `i-${args.name}`,
      userId: `u-${args.name}`,
    }));
  });

  const settled = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

  it("one child per person, named from the normalized email, with the defaults applied", async () => {
    const team = new OrganizationUserInvites("data", {
      members: [{ email: "Ada@Example.com", role: "ORGANIZATION_OWNER" }, { email: "grace@example.com" }],
      defaults: { organizationId: ORG, role: "ORGANIZATION_OBSERVE_MEMBER", onDelete: "keep" },
    });
    const members = await settled(team.members);
    const invites = registered.filter((r) => r.type.endsWith("OrganizationUserInvite"));
    expect(invites.map((r) => r.name).sort()).to.deep.equal(["data-ada@example.com", "data-grace@example.com"]);
    const grace = invites.find((r) => r.name === "data-grace@example.com")!.inputs;
    expect(grace).to.include({ email: "grace@example.com", role: "ORGANIZATION_OBSERVE_MEMBER", organizationId: ORG, onDelete: "keep" });
    expect(members["ada@example.com"]).to.deep.equal({
      status: "PENDING",
      role: "ORGANIZATION_OWNER",
      inviteId: "i-data-ada@example.com",
      userId: "u-data-ada@example.com",
    });
    expect(await settled(team.counts)).to.deep.equal({ PENDING: 1, ACTIVE: 1 });
  });

  it("refuses a declaration with problems before registering anything", () => {
    expect(() => new OrganizationUserInvites("bad", { members: [{ email: "a@x.io" }, { email: "A@X.IO" }] })).to.throw(/declared twice/);
    expect(() => new OrganizationUserInvites("none", {})).to.throw(/exactly one of `file`/);
    expect(registered).to.deep.equal([]);
  });
});
