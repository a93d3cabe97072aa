import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkMembers, parseTeamFile, readTeamFile, TeamDeclarationError } from "../../../provider/members/members";

function problemsOf(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof TeamDeclarationError) return error.problems;
    throw error;
  }
  throw new Error("expected a TeamDeclarationError");
}

describe("team files and member lists", () => {
  describe("files at their worst (each failed or misread before the hardening)", () => {
    const dir = mkdtempSync(join(tmpdir(), "team-worst-"));
    const file = (name: string, bytes: Buffer | string) => {
      writeFileSync(join(dir, name), bytes);
      return join(dir, name);
    };

    it("UTF-16 with a byte-order mark, or without one: named, with the fix", () => {
      const text = "ada@example.com ORGANIZATION_OWNER\n";
      const le = file("le.txt", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]));
      expect(problemsOf(() => readTeamFile(le, "ORGANIZATION_MEMBER"))).to.deep.equal([
        `${le}: is UTF-16 encoded (it starts with a UTF-16 byte-order mark); save it as UTF-8`,
      ]);
      const bare = file("bare.txt", Buffer.from(text, "utf16le"));
      expect(problemsOf(() => readTeamFile(bare, "ORGANIZATION_MEMBER"))[0])
        .to.contain("contains NUL bytes")
        .and.contain("save it as UTF-8");
      const latin1 = file("latin1.txt", Buffer.from("jos\xe9@example.com\n", "latin1"));
      expect(problemsOf(() => readTeamFile(latin1, "ORGANIZATION_MEMBER"))).to.deep.equal([
        `${latin1}: is not valid UTF-8 text; save it as UTF-8`,
      ]);
    });

    it("a directory: named as one", () => {
      expect(problemsOf(() => readTeamFile(dir, "ORGANIZATION_MEMBER"))[0]).to.match(/: is a directory; name the member file inside it/);
    });

    it("100k bad lines: every problem counted, the first 50 listed, then how many more", () => {
      const text = Array.from({ length: 100_000 }, (_, i) => `bad-line-${i}`).join("\n");
      let error: TeamDeclarationError | undefined;
      try {
        parseTeamFile(text, "huge.txt", "ORGANIZATION_MEMBER");
      } catch (caught) {
        error = caught as TeamDeclarationError;
      }
      expect(error!.problems).to.have.length(100_000);
      const lines = error!.message.split("\n");
      expect(lines[0]).to.equal("The member declaration has 100000 problems; nothing was sent:");
      expect(lines).to.have.length(1 + 50 + 1);
      expect(lines[1]).to.match(/^ {2}huge\.txt:1: /);
      expect(lines[50]).to.match(/^ {2}huge\.txt:50: /);
      expect(lines[51]).to.equal("  and 99950 more");
    });

    it("an international domain: asks for its punycode form", () => {
      expect(problemsOf(() => parseTeamFile("jane@bücher.de\n", "team.txt", "ORGANIZATION_MEMBER"))).to.deep.equal([
        'team.txt:1: email must give an international domain in its ASCII (punycode) form: jane@xn--bcher-kva.de, got "jane@bücher.de"',
      ]);
    });
  });

  it("reads the docs' format: email ROLE, ROLE optional, comments and blank lines, CRLF and a BOM", () => {
    const text =
      "\uFEFF# data team\r\nAda@Example.com ORGANIZATION_OWNER\r\n\r\n  grace@example.com   \r\nlinus@example.com\tORGANIZATION_OBSERVE_ADMIN\r\n";
    expect(parseTeamFile(text, "team.txt", "ORGANIZATION_MEMBER")).to.deep.equal([
      {
        email: "ada@example.com",
        role: "ORGANIZATION_OWNER",
        source: "team.txt:2",
        aliases: [],
        workspaceRoles: {},
        deploymentRoles: {},
        dagRoles: [],
        teams: [],
      },
      {
        email: "grace@example.com",
        role: "ORGANIZATION_MEMBER",
        source: "team.txt:4",
        aliases: [],
        workspaceRoles: {},
        deploymentRoles: {},
        dagRoles: [],
        teams: [],
      },
      {
        email: "linus@example.com",
        role: "ORGANIZATION_OBSERVE_ADMIN",
        source: "team.txt:5",
        aliases: [],
        workspaceRoles: {},
        deploymentRoles: {},
        dagRoles: [],
        teams: [],
      },
    ]);
  });

  it("reads Deployment and DAG roles: deployment:ID=ROLE, dag:ID/DAG=ROLE, dagtag:ID/TAG=ROLE; a bad one is named with its line", () => {
    const dep = "cdeploy000000000000000001";
    const text = `ada@example.com deployment:${dep}=DEPLOYMENT_ADMIN dag:${dep}/nightly=DAG_AUTHOR dagtag:${dep}/finance=DAG_VIEWER\n`;
    const [ada] = parseTeamFile(text, "team.txt", "ORGANIZATION_MEMBER");
    expect(ada).to.deep.include({
      deploymentRoles: { [dep]: "DEPLOYMENT_ADMIN" },
      dagRoles: [
        { deploymentId: dep, dagId: "nightly", role: "DAG_AUTHOR" },
        { deploymentId: dep, dagTag: "finance", role: "DAG_VIEWER" },
      ],
      workspaceRoles: {},
    });
    expect(
      problemsOf(() => parseTeamFile(`ada@example.com deployment:${dep}=DEPLOYMENT_OWNER\n`, "team.txt", "ORGANIZATION_MEMBER")),
    ).to.deep.equal([
      `team.txt:1: deploymentRoles.${dep} must be one of [DEPLOYMENT_ADMIN] or the id of a custom Deployment role (25 lowercase letters and digits starting with "c", such as clm8t5u4q000008jq4qoc3036), got "DEPLOYMENT_OWNER"`,
    ]);
  });

  it("reads CSV with an email,role header, an empty role taking the default", () => {
    const text = "email,role\nada@example.com,ORGANIZATION_BILLING_ADMIN\ngrace@example.com,\n";
    expect(parseTeamFile(text, "team.csv", "ORGANIZATION_OBSERVE_MEMBER").map((m) => [m.email, m.role])).to.deep.equal([
      ["ada@example.com", "ORGANIZATION_BILLING_ADMIN"],
      ["grace@example.com", "ORGANIZATION_OBSERVE_MEMBER"],
    ]);
  });

  it("reports every problem at once, each with its file line", () => {
    const lines = [
      "# header",
      "ada@example.com",
      "ADA@example.com ORGANIZATION_OWNER",
      "grace@example.com ORGANIZATION_MEMBER extra",
      "not-an-email",
      "",
      "linus@example.com ORGANIZATION_ADMIN",
    ];
    const problems = problemsOf(() => parseTeamFile(lines.join("\n"), "team.txt", "ORGANIZATION_MEMBER"));
    expect(problems).to.have.length(4);
    expect(problems[0]).to.equal("team.txt:3: ada@example.com is declared twice (also at team.txt:2); emails are compared ignoring case");
    expect(problems[1]).to.equal(
      'team.txt:4: expected "email ROLE WORKSPACE_ID=ROLE ...", got "grace@example.com ORGANIZATION_MEMBER extra"',
    );
    expect(problems[2]).to.match(/^team\.txt:5: email must contain exactly one "@"/);
    expect(problems[3]).to.match(/^team\.txt:7: role must be one of \[ORGANIZATION_OWNER, .*\], got "ORGANIZATION_ADMIN"$/);
  });

  it("a malformed CSV line names the expected shape", () => {
    expect(
      problemsOf(() => parseTeamFile("email,role\na@example.com,ORGANIZATION_MEMBER,x\n", "t.csv", "ORGANIZATION_MEMBER")),
    ).to.deep.equal(['t.csv:2: expected "email,role", got "a@example.com,ORGANIZATION_MEMBER,x"']);
  });

  it("an empty file and a missing file are errors naming the file", () => {
    expect(problemsOf(() => parseTeamFile("# nobody yet\n\n", "team.txt", "ORGANIZATION_MEMBER"))).to.deep.equal([
      "team.txt: no members declared (the file has no email lines)",
    ]);
    const dir = mkdtempSync(join(tmpdir(), "team-"));
    expect(problemsOf(() => readTeamFile(join(dir, "missing.txt"), "ORGANIZATION_MEMBER"))[0]).to.match(/missing\.txt: file not found/);
    writeFileSync(join(dir, "team.txt"), "a@example.com\n");
    expect(readTeamFile(join(dir, "team.txt"), "ORGANIZATION_MEMBER")).to.have.length(1);
  });

  it("the error message lists all problems and says nothing was sent", () => {
    try {
      parseTeamFile("x\ny\n", "team.txt", "ORGANIZATION_MEMBER");
      expect.fail("expected an error");
    } catch (error) {
      expect((error as Error).message).to.match(
        /^The member declaration has 2 problems; nothing was sent:\n {2}team\.txt:1: .*\n {2}team\.txt:2: /,
      );
    }
  });

  it("checks inline members by index", () => {
    expect(
      checkMembers([{ email: "A@x.io", role: "ORGANIZATION_OWNER" }, { email: "b@x.io" }], "ORGANIZATION_MEMBER").map((m) => m.email),
    ).to.deep.equal(["a@x.io", "b@x.io"]);
    expect(
      problemsOf(() => checkMembers([{ email: "a@x.io" }, { email: "a@X.io" }, { email: "c@x.io", role: "owner" }], "ORGANIZATION_MEMBER")),
    ).to.deep.equal([
      "members[1]: a@x.io is declared twice (also at members[0]); emails are compared ignoring case",
      'members[2]: role must be one of [ORGANIZATION_OWNER, ORGANIZATION_BILLING_ADMIN, ORGANIZATION_OBSERVE_ADMIN, ORGANIZATION_OBSERVE_MEMBER, ORGANIZATION_MEMBER], got "owner"',
    ]);
  });

  it("members carry their earlier declarations (aliases); anything but a list of names is refused, naming the member", () => {
    expect(checkMembers([{ email: "a@x.io", aliases: ["lead"] }], "ORGANIZATION_MEMBER")[0].aliases).to.deep.equal(["lead"]);
    expect(
      problemsOf(() =>
        checkMembers(
          [
            { email: "a@x.io", aliases: [""] },
            { email: "b@x.io", aliases: "lead" as unknown as string[] },
          ],
          "ORGANIZATION_MEMBER",
        ),
      ),
    ).to.deep.equal([
      'members[0]: aliases must be a list of earlier resource names or URNs, got [""]',
      'members[1]: aliases must be a list of earlier resource names or URNs, got "lead"',
    ]);
  });

  describe("Astro Teams in member files and lists", () => {
    it("team:NAME fields (quoted for a name with spaces) join Teams; a name twice is the line's problem", () => {
      const text = 'jane@example.com ORGANIZATION_MEMBER team:Ops team:"Data Platform" # on call\nbob@example.com team:Ops\n';
      expect(parseTeamFile(text, "members.txt", "ORGANIZATION_MEMBER").map((m) => [m.email, m.role, m.teams])).to.deep.equal([
        ["jane@example.com", "ORGANIZATION_MEMBER", ["Data Platform", "Ops"]],
        ["bob@example.com", "ORGANIZATION_MEMBER", ["Ops"]],
      ]);
      expect(() => parseTeamFile("ana@example.com team:Ops team:Ops\n", "members.txt", "ORGANIZATION_MEMBER")).to.throw(
        TeamDeclarationError,
        "members.txt:1: teams[1]: Ops is listed twice",
      );
    });

    it("inline members take teams", () => {
      expect(checkMembers([{ email: "a@example.com", teams: ["Ops"] }], "ORGANIZATION_MEMBER")[0].teams).to.deep.equal(["Ops"]);
      expect(() => checkMembers([{ email: "a@example.com", teams: "Ops" as never }], "ORGANIZATION_MEMBER")).to.throw(
        TeamDeclarationError,
        'members[0]: teams must be a list of Team names, such as ["Data Platform"], got "Ops"',
      );
    });
  });

  describe("workspace roles in team files", () => {
    const DATA = "clm8t5u4q000008jq4qoc3036";
    const ML = "clm8t5u4q000008jq4qoc3037";
    it("email ROLE ws=ROLE ...: the ROLE stays optional; a field with = is a workspace role", () => {
      const text = `jane@example.com ORGANIZATION_MEMBER ${DATA}=WORKSPACE_OPERATOR ${ML}=WORKSPACE_MEMBER\nbob@example.com ${DATA}=WORKSPACE_AUTHOR # no organization role\n`;
      expect(parseTeamFile(text, "team.txt", "ORGANIZATION_MEMBER").map((m) => [m.email, m.role, m.workspaceRoles])).to.deep.equal([
        ["jane@example.com", "ORGANIZATION_MEMBER", { [DATA]: "WORKSPACE_OPERATOR", [ML]: "WORKSPACE_MEMBER" }],
        ["bob@example.com", "ORGANIZATION_MEMBER", { [DATA]: "WORKSPACE_AUTHOR" }],
      ]);
    });

    it("CSV with a workspaces column, separated by ; or spaces", () => {
      const text = `email,role,workspaces\njane@example.com,ORGANIZATION_OWNER,${DATA}=WORKSPACE_OWNER;${ML}=WORKSPACE_MEMBER\nbob@example.com,,\n`;
      expect(parseTeamFile(text, "team.csv", "ORGANIZATION_MEMBER").map((m) => [m.email, m.role, m.workspaceRoles])).to.deep.equal([
        ["jane@example.com", "ORGANIZATION_OWNER", { [DATA]: "WORKSPACE_OWNER", [ML]: "WORKSPACE_MEMBER" }],
        ["bob@example.com", "ORGANIZATION_MEMBER", {}],
      ]);
    });

    it("a bad workspace id, a bad role, a workspace given twice, a role after a workspace: each named by line", () => {
      const text = [
        `a@example.com ws1=WORKSPACE_MEMBER`,
        `b@example.com ${DATA}=WORKSPACE_ADMIN`,
        `c@example.com ${DATA}=WORKSPACE_MEMBER ${DATA}=WORKSPACE_OWNER`,
        `d@example.com ${DATA}=WORKSPACE_MEMBER ORGANIZATION_OWNER`,
      ].join("\n");
      expect(problemsOf(() => parseTeamFile(text, "team.txt", "ORGANIZATION_MEMBER"))).to.deep.equal([
        'team.txt:1: workspaceRoles: "ws1" is not an Astro workspace id (25 lowercase letters and digits starting with "c", such as clm8t5u4q000008jq4qoc3036)',
        `team.txt:2: workspaceRoles.${DATA} must be one of [WORKSPACE_OWNER, WORKSPACE_OPERATOR, WORKSPACE_AUTHOR, WORKSPACE_MEMBER, WORKSPACE_ACCESSOR], got "WORKSPACE_ADMIN"`,
        `team.txt:3: workspace ${DATA} is given two roles; a person has one role per workspace`,
        `team.txt:4: expected "email ROLE WORKSPACE_ID=ROLE ...", got "d@example.com ${DATA}=WORKSPACE_MEMBER ORGANIZATION_OWNER"`,
      ]);
    });

    it("inline members take workspaceRoles, checked the same way", () => {
      expect(
        problemsOf(() => checkMembers([{ email: "a@example.com", workspaceRoles: { [DATA]: "owner" } }], "ORGANIZATION_MEMBER")),
      ).to.deep.equal([
        `members[0]: workspaceRoles.${DATA} must be one of [WORKSPACE_OWNER, WORKSPACE_OPERATOR, WORKSPACE_AUTHOR, WORKSPACE_MEMBER, WORKSPACE_ACCESSOR], got "owner"`,
      ]);
    });
  });
});
