import { describe, it, expect } from "vitest";
import { SlotTable } from "./sessions.js";

const order = (t: SlotTable) => [...t.sessions.keys()];

describe("SlotTable recency", () => {
  it("keeps sessions in least-recently-active order across repeated touches", () => {
    const t = new SlotTable();
    for (const id of ["a", "b", "c"]) t.touch(id, t.session(id).state, 1);
    const a = t.sessions.get("a")!;
    t.touch("a", a, 2);
    t.touch("a", a, 3);
    expect(order(t)).toEqual(["b", "c", "a"]);
    expect(a.lastSeen).toBe(3);
  });

  it("moves the last touched session again once another one was created after it", () => {
    const t = new SlotTable();
    const a = t.session("a").state;
    t.touch("a", a, 1);
    // A session created without a touch (a result or instruction for a new session) comes after it.
    t.session("b");
    t.touch("a", a, 2);
    expect(order(t)).toEqual(["b", "a"]);
  });

  it("evicts the least recent first after touches that skipped re-insertion", () => {
    const t = new SlotTable();
    for (const id of ["a", "b"]) t.touch(id, t.session(id).state, 1);
    t.touch("b", t.sessions.get("b")!, 2);
    t.touch("a", t.sessions.get("a")!, 3);
    t.evictOver(1);
    expect(order(t)).toEqual(["a"]);
    expect(t.wasEvicted("b")).toBe(true);
  });

  it("forgets the recent entry when it is evicted, so its return is inserted at the end", () => {
    const t = new SlotTable();
    t.touch("a", t.session("a").state, 1);
    t.touch("b", t.session("b").state, 2);
    t.evictIdle(3);
    expect(order(t)).toEqual([]);
    t.forgetEviction("b");
    t.touch("c", t.session("c").state, 4);
    const b = t.session("b").state;
    t.touch("b", b, 5);
    expect(order(t)).toEqual(["c", "b"]);
  });
});
