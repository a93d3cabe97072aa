import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { OrganizationUserInvite } from "../../../provider/invite/resource";
import { TYPE } from "../../support/host";
import { mockResources } from "../../support/mocks";

const ORG = "clm9t0gbt000108jv4f1cfu8u";
const TOKEN = "astro-token-that-must-not-be-captured";

describe("a program of invites under pulumi.runtime.setMocks", () => {
  let registered: pulumi.runtime.MockResourceArgs[];
  before(() => {
    registered = mockResources(() => ({ status: "PENDING" }));
  });

  it("registers the type token, normalized inputs, and a __provider without the token", async () => {
    process.env.ASTRO_API_TOKEN = TOKEN;
    try {
      const invites = [
        new OrganizationUserInvite("jane", { email: " Jane@Example.com ", role: "ORGANIZATION_OWNER", organizationId: ORG }),
        new OrganizationUserInvite("john", { email: "john@example.com", organizationId: ORG }),
        new OrganizationUserInvite("bill", { email: "BILL@example.com", role: "ORGANIZATION_BILLING_ADMIN", onDelete: "keep" }),
      ];
      await Promise.all(invites.map((invite) => new Promise((resolve) => invite.status.apply(resolve))));
    } finally {
      delete process.env.ASTRO_API_TOKEN;
    }
    expect(registered.map((r) => r.type)).to.deep.equal([TYPE, TYPE, TYPE]);
    const byName = Object.fromEntries(registered.map(({ name, inputs: { __provider, ...rest } }) => [name, rest]));
    expect(byName.jane).to.include({ email: "jane@example.com", role: "ORGANIZATION_OWNER", organizationId: ORG, onDelete: "demote" });
    expect(byName.john).to.include({ email: "john@example.com", role: "ORGANIZATION_MEMBER" });
    expect(byName.bill).to.include({ email: "bill@example.com", role: "ORGANIZATION_BILLING_ADMIN", onDelete: "keep" });
    for (const {
      inputs: { __provider },
    } of registered) {
      expect(__provider).to.be.a("string");
      expect(__provider.length).to.be.at.most(2500);
      expect(__provider).not.to.contain(TOKEN);
    }
  });
});
