import { expect } from "chai";
import { holdFor, keepWalking, MAX_HOLD_MS, pagesLeft, readBatch, route, shareable } from "../../../provider/api/lookup-policy";

/** The shared lookups' decisions, without I/O: each rule of lookup-policy.ts, and its edges. */
describe("lookup policy: which lookups share reads, and how", () => {
  it("route: a GET by id before a role change, a recent walk for a refresh, else the next batch", () => {
    expect(route("freshById", true, true)).to.equal("getById");
    expect(route("freshById", false, true)).to.equal("batch");
    expect(route("recent", true, true)).to.equal("share");
    expect(route("recent", true, false)).to.equal("batch");
    expect(route("fresh", true, true)).to.equal("batch");
  });

  it("shareable: a walk started within 10 s that is reading or read to the end; not one that stopped early", () => {
    const now = 100_000;
    expect(shareable(undefined, now)).to.equal(false);
    expect(shareable({ startedAt: now - 9_000, running: true, complete: false }, now)).to.equal(true);
    expect(shareable({ startedAt: now - 9_000, running: false, complete: true }, now)).to.equal(true);
    expect(shareable({ startedAt: now - 9_000, running: false, complete: false }, now)).to.equal(false);
    expect(shareable({ startedAt: now - 11_000, running: true, complete: false }, now)).to.equal(false);
  });

  it("holdFor: write lookups wait while fewer wait than writes are under way, up to the bound; refreshes never", () => {
    expect(holdFor({ purposes: ["fresh"], writesUnderWay: 3, heldForMs: 200 })).to.equal(MAX_HOLD_MS - 200);
    expect(holdFor({ purposes: ["fresh", "fresh", "fresh"], writesUnderWay: 3, heldForMs: 200 })).to.equal(0);
    expect(holdFor({ purposes: ["fresh"], writesUnderWay: 3, heldForMs: MAX_HOLD_MS })).to.equal(0);
    expect(holdFor({ purposes: ["fresh", "recent"], writesUnderWay: 9, heldForMs: 0 })).to.equal(0);
    expect(holdFor({ purposes: ["fresh"], writesUnderWay: 0, heldForMs: 0 })).to.equal(0);
  });

  it("readBatch: the cheaper of a walk and a GET each, the walk on a tie, by email or with the size unknown", () => {
    expect(readBatch({ size: 5, allHaveUserIds: true, knownSize: 20_000 })).to.equal("getById");
    expect(readBatch({ size: 20, allHaveUserIds: true, knownSize: 20_000 })).to.equal("walk");
    expect(readBatch({ size: 1, allHaveUserIds: true, knownSize: 1000 })).to.equal("walk");
    expect(readBatch({ size: 1, allHaveUserIds: true, knownSize: 0 })).to.equal("walk");
    expect(readBatch({ size: 5, allHaveUserIds: false, knownSize: 20_000 })).to.equal("walk");
    expect(readBatch({ size: 5, allHaveUserIds: true, knownSize: undefined })).to.equal("walk");
  });

  it("keepWalking: on while a lookup by email waits or the pages left cost no more than what they answer", () => {
    expect(keepWalking({ waiting: 5, emailOnly: false, sharedReads: 0, pagesLeft: 19 })).to.equal(false);
    expect(keepWalking({ waiting: 5, emailOnly: true, sharedReads: 0, pagesLeft: 19 })).to.equal(true);
    expect(keepWalking({ waiting: 5, emailOnly: false, sharedReads: 14, pagesLeft: 19 })).to.equal(true);
    expect(keepWalking({ waiting: 0, emailOnly: false, sharedReads: 0, pagesLeft: 0 })).to.equal(true);
    expect([pagesLeft(20_000, 1000), pagesLeft(1200, 1000), pagesLeft(900, 1000)]).to.deep.equal([19, 1, 0]);
  });
});
