import { expect } from "chai";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AstroClient, AstroClientOptions, MAX_BODY_BYTES } from "../../../provider/api/client";
import { AstroApiError, CreateOutcomeUnknownError, ResponseShapeError } from "../../../provider/api/errors";
import { UserDirectory } from "../../../provider/api/directory";
import { parseRetryAfterMs } from "../../../provider/api/retry";
import { apiUrlProblem } from "../../../provider/api/url";

/**
 * The client against small hostile servers over real HTTP: each plays one way a server or network can
 * misbehave. Every case here hung, looped, over-read or misrecorded on the client before the hardening.
 */
const ORG = "clm9t0gbt000108jv4f1cfu8u";
const FAST = { baseDelayMs: 5, maxDelayMs: 20 };

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface Hostile {
  server: Server;
  requests: string[];
  /** A client of this server, unpaced: options replace the defaults they name. */
  client(options?: Partial<AstroClientOptions>): AstroClient;
}

async function hostile(handler: Handler): Promise<Hostile> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk));
    req.on("end", () => {
      requests.push(`${req.method} ${req.url}`);
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return { server, requests, client: (options = {}) => new AstroClient({ token: "t", baseUrl: url, rateLimits: false, ...options }) };
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));

function user(i: number, extra: Record<string, unknown> = {}) {
  const id = `cuser${String(i).padStart(20, "0")}`;
  return {
    id,
    username: `u${i}@example.com`,
    fullName: "",
    avatarUrl: "",
    status: "ACTIVE",
    organizationRole: "ORGANIZATION_MEMBER",
    createdAt: "t",
    updatedAt: "t",
    ...extra,
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: Error) => error,
  );
}

describe("AstroClient against hostile servers", () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await stop(server);
    server = undefined;
  });

  describe("no request may hang", () => {
    it("a body trickled a byte at a time is cut off at the per-attempt deadline, and the operation's budget holds", async () => {
      const trickle = await hostile((_req, res) => {
        res.writeHead(200, { "Content-Type": "application/json" });
        const timer = setInterval(() => res.write(" "), 100);
        res.on("close", () => clearInterval(timer));
      });
      server = trickle.server;
      const client = trickle.client({ retry: { ...FAST, requestTimeoutMs: 400, maxElapsedMs: 1500 } });
      const started = Date.now();
      const error = (await rejection(client.getUser(ORG, "cuser"))) as AstroApiError;
      expect(error).to.be.instanceOf(AstroApiError);
      expect(error.message).to.contain("ETIMEDOUT").and.to.contain("no complete answer");
      // A generous bound: the attempts stop at the 1.5 s budget; before the hardening this never returned.
      expect(Date.now() - started).to.be.below(10_000);
      expect(trickle.requests.length).to.be.within(2, 5);
    });

    it("the operation's budget cuts a single slow attempt short, not only the waits between attempts", async () => {
      const silent = await hostile(() => undefined);
      server = silent.server;
      const client = silent.client({ retry: { ...FAST, requestTimeoutMs: 60_000, maxElapsedMs: 600 } });
      const started = Date.now();
      await rejection(client.deleteInvite(ORG, "cinvite"));
      expect(Date.now() - started).to.be.below(10_000);
    });

    it("a body over the cap is refused with a clear error instead of read into memory", async () => {
      const huge = await hostile((_req, res) => {
        res.writeHead(200, { "Content-Type": "application/json" });
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < MAX_BODY_BYTES / chunk.length + 4) {
            sent++;
            if (!res.write(chunk)) return void res.once("drain", pump);
          }
          res.end();
        };
        pump();
      });
      server = huge.server;
      const error = await rejection(huge.client({ retry: FAST }).getUser(ORG, "cuser"));
      expect(error.message).to.contain(`larger than ${MAX_BODY_BYTES} bytes`).and.to.contain("BODY_TOO_LARGE");
      expect(huge.requests).to.have.length(1);
    });
  });

  describe("a create that may have reached Astro is never reported as not sent", () => {
    const emptyList = { limit: 1000, offset: 0, totalCount: 0, users: [] };

    it("an oversized answer to the POST (not retried) and no one in the list yet: the outcome is unknown, and said so", async () => {
      const huge = await hostile((req, res) => {
        if (req.method === "GET") return void json(res, 200, emptyList);
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(Buffer.alloc(MAX_BODY_BYTES + 1024, 0x20));
      });
      server = huge.server;
      const error = await rejection(huge.client({ retry: FAST }).createInvite(ORG, "a@example.com", "ORGANIZATION_MEMBER"));
      expect(error).to.be.instanceOf(CreateOutcomeUnknownError);
      expect(error.message).to.contain("may have been sent").and.to.contain("BODY_TOO_LARGE");
      expect(huge.requests.filter((r) => r.startsWith("POST"))).to.have.length(1);
    });

    it("a 400 'existing role' after an ambiguous attempt, with the lookup missing them: unknown, not 'not sent'", async () => {
      let posts = 0;
      const flaky = await hostile((req, res) => {
        if (req.method === "GET") return void json(res, 200, emptyList);
        posts++;
        if (posts === 1) return void json(res, 503, { message: "unavailable", requestId: "r1", statusCode: 503 });
        json(res, 400, { message: `Invalid request: Invitee has existing role in organization ${ORG}`, requestId: "r2", statusCode: 400 });
      });
      server = flaky.server;
      const error = await rejection(flaky.client({ retry: FAST }).createInvite(ORG, "a@example.com", "ORGANIZATION_MEMBER"));
      expect(error).to.be.instanceOf(CreateOutcomeUnknownError);
      expect(error.message).to.contain("HTTP 503").and.to.contain("has a role, but the users list does not show them yet");
    });
  });

  it("two users whose emails differ only in case: the client and the shared lookups answer with the same one, the first listed", async () => {
    const list = await hostile((_req, res) =>
      json(res, 200, {
        limit: 1000,
        offset: 0,
        totalCount: 2,
        users: [user(1, { username: "Jane@Example.com" }), user(2, { username: "jane@example.com" })],
      }),
    );
    server = list.server;
    const api = list.client({ retry: FAST });
    const direct = await api.findUserByEmail(ORG, "JANE@example.com");
    const shared = await new UserDirectory(api, ORG).find({ email: "jane@example.com" }, "fresh");
    expect([direct?.id, shared?.id]).to.deep.equal([user(1).id, user(1).id]);
  });

  describe("list walks are bounded and step by what arrived", () => {
    it("a server that repeats the same page stops after the page with no new user", async () => {
      const repeat = await hostile((_req, res) =>
        json(res, 200, {
          limit: 1000,
          offset: 0,
          totalCount: 10_000_000,
          users: [user(1), user(2)].concat(Array.from({ length: 998 }, (_, i) => user(i + 3))),
        }),
      );
      server = repeat.server;
      expect(await repeat.client().findUserByEmail(ORG, "nobody@example.com")).to.equal(undefined);
      expect(repeat.requests).to.have.length(2);
    });

    it("a huge totalCount with an empty page ends the walk", async () => {
      const liar = await hostile((req, res) => {
        const offset = Number(new URL(req.url!, "http://x").searchParams.get("offset"));
        json(res, 200, {
          limit: 1000,
          offset,
          totalCount: 10_000_000,
          users: offset === 0 ? Array.from({ length: 1000 }, (_, i) => user(i)) : [],
        });
      });
      server = liar.server;
      expect(await liar.client().findUserByEmail(ORG, "nobody@example.com")).to.equal(undefined);
      expect(liar.requests).to.have.length(2);
    });

    it("an API that caps limit below 1000 is walked by the page's real length, skipping no one", async () => {
      const everyone = Array.from({ length: 250 }, (_, i) => user(i));
      const capped = await hostile((req, res) => {
        const offset = Number(new URL(req.url!, "http://x").searchParams.get("offset"));
        json(res, 200, { limit: 100, offset, totalCount: everyone.length, users: everyone.slice(offset, offset + 100) });
      });
      server = capped.server;
      const client = capped.client();
      expect((await client.findUserByEmail(ORG, "u249@example.com"))?.id).to.equal(user(249).id);
      expect(capped.requests.map((r) => new URL(r.split(" ")[1], "http://x").searchParams.get("offset"))).to.deep.equal([
        "0",
        "100",
        "200",
      ]);
    });

    it("a walk that never ends (always new ids) stops at the bound with a clear error", async function () {
      this.timeout(120_000);
      let next = 0;
      const endless = await hostile((_req, res) =>
        json(res, 200, { limit: 1000, offset: 0, totalCount: 10_000_000, users: Array.from({ length: 1000 }, () => user(next++)) }),
      );
      server = endless.server;
      const error = await rejection(endless.client().findUserByEmail(ORG, "nobody@example.com"));
      expect(error.message).to.match(/goes on past 250000 users \(it reports 10000000\); stopped walking it/);
      expect(endless.requests).to.have.length(250);
    });
  });

  describe("Retry-After that asks for no wait falls back to backoff", () => {
    for (const header of ["-5", "0", "soon", "-1", "Thu, 01 Jan 1970 00:00:00 GMT"]) {
      it(`Retry-After: ${header}`, async () => {
        let calls = 0;
        const throttling = await hostile((_req, res) => {
          calls++;
          if (calls < 3) res.writeHead(429, { "Retry-After": header, "Content-Type": "application/json" }).end("{}");
          else json(res, 404, { message: "no", requestId: "r", statusCode: 404 });
        });
        server = throttling.server;
        const lines: string[] = [];
        expect(await throttling.client({ retry: FAST, log: (l) => lines.push(l) }).getUser(ORG, "cuser")).to.equal(undefined);
        const waits = lines.filter((l) => l.startsWith("retrying")).map((l) => Number(/in (\d+) ms/.exec(l)![1]));
        expect(waits).to.have.length(2);
        for (const wait of waits) expect(wait).to.be.within(0, FAST.maxDelayMs);
      });
    }

    it("parses only positive waits", () => {
      expect(parseRetryAfterMs("2")).to.equal(2000);
      expect(parseRetryAfterMs("0")).to.equal(undefined);
      expect(parseRetryAfterMs("-1")).to.equal(undefined);
      expect(parseRetryAfterMs("Thu, 01 Jan 1970 00:00:00 GMT")).to.equal(undefined);
    });
  });

  describe("create answers are checked against the request", () => {
    const invite = (email: string, organizationId: string) => ({
      inviteId: "cinvite0000000000000000000",
      expiresAt: "2030-01-01T00:00:00Z",
      invitee: { id: "cuser000000000000000000001", subjectType: "USER", username: email },
      inviter: { id: "ctoken00000000000000000000", subjectType: "SERVICEKEY", apiTokenName: "t" },
      organizationId,
    });

    it("a 200 naming another invitee or organization is an error that names both", async () => {
      for (const [email, organization] of [
        ["bob@example.com", ORG],
        ["jane@example.com", "cotherorg0000000000000000"],
      ]) {
        const wrong = await hostile((_req, res) => json(res, 200, invite(email, organization)));
        server = wrong.server;
        const error = await rejection(wrong.client().createInvite(ORG, "jane@example.com", "ORGANIZATION_MEMBER"));
        expect(error).to.be.instanceOf(ResponseShapeError);
        expect(error.message)
          .to.contain(`asked to invite jane@example.com to organization ${ORG}`)
          .and.to.contain(`for ${email} in organization ${organization}`);
        await stop(wrong.server);
        server = undefined;
      }
    });

    it("a 200 with an empty body is ambiguous: the invitee is looked up, not assumed absent", async () => {
      const empty = await hostile((req, res) => {
        if (req.method === "POST") res.writeHead(200).end("");
        else
          json(res, 200, { limit: 1000, offset: 0, totalCount: 1, users: [user(7, { username: "jane@example.com", status: "PENDING" })] });
      });
      server = empty.server;
      const result = await empty.client().createInvite(ORG, "jane@example.com", "ORGANIZATION_MEMBER");
      expect(result.outcome).to.equal("foundAfterAmbiguousFailure");
      expect(empty.requests.filter((r) => r.startsWith("POST"))).to.have.length(1);
    });

    it("a 200 with an empty body and a failing lookup: the outcome is unknown, and said so", async () => {
      const empty = await hostile((req, res) => {
        if (req.method === "POST") res.writeHead(200).end("");
        else json(res, 403, { message: "Forbidden", requestId: "r", statusCode: 403 });
      });
      server = empty.server;
      const error = await rejection(empty.client().createInvite(ORG, "jane@example.com", "ORGANIZATION_MEMBER"));
      expect(error).to.be.instanceOf(CreateOutcomeUnknownError);
      expect(error.message).to.match(
        /An invite for jane@example\.com may have been sent: .*HTTP 200 with a body that is not an invite.*HTTP 403/,
      );
    });
  });

  describe("ids and URLs", () => {
    it("ids that could change the path never reach the wire", async () => {
      const any = await hostile((_req, res) => json(res, 404, { message: "no", requestId: "r", statusCode: 404 }));
      server = any.server;
      const client = any.client();
      for (const id of ["..", ".", "a/b", "a%2Fb", "x?y=1", "", "a#b", "ab c"]) {
        expect((await rejection(client.deleteInvite(ORG, id))).message, id).to.contain("Refusing to use");
        expect((await rejection(client.getUser(ORG, id))).message, id).to.contain("Refusing to use");
      }
      expect(any.requests).to.deep.equal([]);
    });

    it("an answer carrying an id of the wrong shape is refused before it can be stored", async () => {
      const bad = await hostile((_req, res) => json(res, 200, user(1, { id: "../../x" })));
      server = bad.server;
      const error = await rejection(bad.client().getUser(ORG, "cuser"));
      expect(error).to.be.instanceOf(ResponseShapeError);
      expect(error.message).to.contain("id: must be an id of letters, digits, _ and -");
    });

    it("a base URL with a query, a fragment or credentials is refused, without echoing a password", () => {
      expect(apiUrlProblem("https://api.astronomer.io/v1?x=1")).to.contain("must not contain a query string");
      expect(apiUrlProblem("https://api.astronomer.io/v1?")).to.contain("must not contain a query string");
      expect(apiUrlProblem("https://api.astronomer.io/v1#frag")).to.contain("must not contain a fragment");
      const credentials = apiUrlProblem("https://user:hunter2@api.astronomer.io/v1")!;
      expect(credentials).to.contain("must not contain credentials").and.not.to.contain("hunter2");
      expect(() => new AstroClient({ token: "t", baseUrl: "https://api.astronomer.io/v1?evil" })).to.throw(/query string/);
    });

    it("a roles change sends only the organization role: no read first, no role list sent back", async () => {
      const bodies: unknown[] = [];
      const api = await hostile((req, res, body) => {
        if (req.method === "POST") bodies.push(JSON.parse(body));
        json(res, 200, { organizationRole: "ORGANIZATION_OWNER" });
      });
      server = api.server;
      await api.client().updateOrganizationRole(ORG, user(3).id, "ORGANIZATION_OWNER");
      expect(api.requests).to.deep.equal([`POST /v1/organizations/${ORG}/users/${user(3).id}/roles`]);
      expect(bodies).to.deep.equal([{ organizationRole: "ORGANIZATION_OWNER" }]);
    });
  });
});
