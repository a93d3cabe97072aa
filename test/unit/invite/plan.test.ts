import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { User } from "../../../provider/api/schemas";
import { ACTION_MEANINGS, planRemoval, planUpdate, Seen, UNREAD } from "../../../provider/invite/plan";
import { InviteState, readState } from "../../../provider/invite/schema";
import type { OrganizationRole } from "../../../provider/roles";

/** The semantics table, row by row: what the lifecycle does and the review says, from one function. */
const NOW = new Date("2026-12-02T00:00:00Z");
const URL = "https://api.astronomer.io/v1";
const state = (changes: Partial<InviteState>): InviteState =>
  readState({
    email: "jane@example.com",
    organizationId: "clm9t0gbt000108jv4f1cfu8u",
    apiUrl: URL,
    role: "ORGANIZATION_OWNER",
    onDelete: "demote",
    inviteId: "clm9t1g17000008jmfsw20lsz",
    userId: "clm8qv74h000008mlf08scq7k",
    expiresAt: "2026-12-08T00:00:00.000Z",
    status: "PENDING",
    ...changes,
  });
const user = (changes: Partial<User>): User => ({
  id: "clm8qv74h000008mlf08scq7k",
  username: "jane@example.com",
  fullName: "",
  avatarUrl: "",
  status: "PENDING",
  organizationRole: "ORGANIZATION_OWNER",
  createdAt: "",
  updatedAt: "",
  ...changes,
});

describe("the semantics table (invite/plan.ts)", () => {
  describe("update", () => {
    const rows: [string, InviteState, Seen, OrganizationRole, string | undefined][] = [
      ["the person is gone", state({ status: "ACTIVE" }), undefined, "ORGANIZATION_OWNER", "invite"],
      ["an unconfirmed create, found", state({ status: "UNCONFIRMED", inviteId: "" }), user({}), "ORGANIZATION_OWNER", "record"],
      ["an unconfirmed create, not looked up", state({ status: "UNCONFIRMED" }), UNREAD, "ORGANIZATION_OWNER", "record"],
      ["pending, nothing changed", state({}), user({}), "ORGANIZATION_OWNER", undefined],
      ["pending, role changed", state({}), user({}), "ORGANIZATION_MEMBER", "reinvite"],
      ["pending with no invite id, role changed", state({ inviteId: "" }), user({}), "ORGANIZATION_MEMBER", "change-role"],
      ["pending past its expiry", state({ expiresAt: "2026-12-01T00:00:00.000Z" }), UNREAD, "ORGANIZATION_OWNER", "reinvite"],
      ["revoked, still pending", state({ status: "REVOKED", inviteId: "" }), user({}), "ORGANIZATION_OWNER", "reinvite"],
      [
        "revoked, but accepted since",
        state({ status: "REVOKED", inviteId: "" }),
        user({ status: "ACTIVE" }),
        "ORGANIZATION_OWNER",
        undefined,
      ],
      ["accepted since the last refresh, role changed", state({}), user({ status: "ACTIVE" }), "ORGANIZATION_MEMBER", "change-role"],
      [
        "role changed outside the stack",
        state({ status: "ACTIVE" }),
        user({ status: "ACTIVE", organizationRole: "ORGANIZATION_MEMBER" }),
        "ORGANIZATION_OWNER",
        "change-role",
      ],
    ];
    for (const [name, stored, seen, role, action] of rows) {
      it(`${name}: ${action ?? "nothing sent"}`, () => {
        expect(planUpdate(stored, seen, { role, apiUrl: URL }, NOW)?.action).to.equal(action);
      });
    }

    it("a new API URL, from the stored state alone: rehost, naming both hosts; once looked up there, the rows above", () => {
      const declared = { role: "ORGANIZATION_OWNER", apiUrl: "https://other.example.com/v1" } as const;
      expect(planUpdate(state({}), UNREAD, declared, NOW)).to.deep.include({ action: "rehost", toRole: "ORGANIZATION_OWNER" });
      expect(planUpdate(state({}), UNREAD, declared, NOW)!.reason).to.contain(`${URL} -> https://other.example.com/v1`);
      expect(planUpdate(state({}), undefined, declared, NOW)?.action).to.equal("invite");
      expect(planUpdate(state({}), user({}), declared, NOW)).to.equal(undefined);
    });
  });

  describe("removal", () => {
    const rows: [string, InviteState, Seen, string, string | null][] = [
      [
        "adopted by an older version (no roleBefore)",
        state({ adopted: true, status: "ACTIVE", inviteId: "" }),
        UNREAD,
        "leave",
        "ORGANIZATION_OWNER",
      ],
      [
        "adopted and raised by the stack",
        state({ adopted: true, status: "ACTIVE", inviteId: "", roleBefore: "ORGANIZATION_MEMBER" }),
        user({ status: "ACTIVE" }),
        "restore",
        "ORGANIZATION_MEMBER",
      ],
      [
        "adopted, role changed outside the stack since",
        state({ adopted: true, status: "ACTIVE", inviteId: "", roleBefore: "ORGANIZATION_MEMBER" }),
        user({ status: "ACTIVE", organizationRole: "ORGANIZATION_BILLING_ADMIN" }),
        "leave",
        "ORGANIZATION_BILLING_ADMIN",
      ],
      [
        "adopted, onDelete keep",
        state({ adopted: true, status: "ACTIVE", inviteId: "", roleBefore: "ORGANIZATION_MEMBER", onDelete: "keep" }),
        user({ status: "ACTIVE" }),
        "leave",
        "ORGANIZATION_OWNER",
      ],
      [
        "adopted, gone from the organization",
        state({ adopted: true, status: "ACTIVE", roleBefore: "ORGANIZATION_MEMBER" }),
        undefined,
        "leave",
        null,
      ],
      ["gone from the organization", state({ status: "ACTIVE" }), undefined, "leave", null],
      ["pending", state({}), user({}), "revoke", null],
      ["pending, its id never reached the stack", state({ inviteId: "" }), user({}), "leave", "ORGANIZATION_OWNER"],
      ["revoked by a failed re-send", state({ status: "REVOKED", inviteId: "" }), UNREAD, "leave", null],
      ["accepted", state({ status: "ACTIVE" }), user({ status: "ACTIVE" }), "demote", "ORGANIZATION_MEMBER"],
      ["accepted since the last refresh", state({}), user({ status: "ACTIVE" }), "demote", "ORGANIZATION_MEMBER"],
      ["accepted, onDelete keep", state({ status: "ACTIVE", onDelete: "keep" }), user({ status: "ACTIVE" }), "leave", "ORGANIZATION_OWNER"],
      [
        "accepted, already a member",
        state({ status: "ACTIVE" }),
        user({ status: "ACTIVE", organizationRole: "ORGANIZATION_MEMBER" }),
        "leave",
        "ORGANIZATION_MEMBER",
      ],
    ];
    for (const [name, stored, seen, action, toRole] of rows) {
      it(`${name}: ${action}${toRole ? ` (${toRole})` : ""}`, () => {
        expect(planRemoval(stored, seen)).to.deep.include({ action, toRole });
      });
    }

    it("the old half of a move (the person recorded by another resource in this operation): a hand-over, saying what the new one lacks", () => {
      expect(planRemoval(state({ status: "ACTIVE" }), UNREAD, true)).to.deep.include({ action: "handover", toRole: "ORGANIZATION_OWNER" });
      expect(planRemoval(state({ status: "ACTIVE" }), UNREAD, true).warning).to.contain("recorded them as adopted at ORGANIZATION_OWNER");
      expect(planRemoval(state({}), UNREAD, true).warning).to.contain("no id for the live invite clm9t1g17000008jmfsw20lsz");
    });

    it("a pending invite whose id never reached the stack warns, naming the person and the role they would join with", () => {
      expect(planRemoval(state({ inviteId: "" }), user({})).warning).to.match(
        /^The pending invite for jane@example\.com was not revoked: .* they join as ORGANIZATION_OWNER\.$/,
      );
    });
  });

  it("the README's table of review actions is the table's own list, in its order", () => {
    const readme = readFileSync(join(__dirname, "../../../README.md"), "utf8");
    const section = readme.slice(readme.indexOf("| action | when |"));
    const table = section.slice(0, section.indexOf("\n\n")).split("\n").slice(2);
    expect(table).to.deep.equal(Object.entries(ACTION_MEANINGS).map(([action, meaning]) => `| \`${action}\` | ${meaning} |`));
  });
});
