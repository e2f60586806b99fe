import { describe, expect, it } from "vitest";
import { auditAction, keepInClear } from "./action.js";
import { canonicalHash } from "./hash.js";

describe("keepInClear", () => {
  const args = { amount: 5, card: "4111 1111 1111 1111", customer: { id: "c1", email: "a@b.example", tags: ["vip"] }, items: [{ id: 1 }] };

  it("keeps only the named paths", () => {
    expect(keepInClear(args, ["amount", "customer.id"])).toEqual({ amount: 5, customer: { id: "c1" } });
    expect(keepInClear(args, [["customer", "email"]])).toEqual({ customer: { email: "a@b.example" } });
  });

  it("keeps everything for the empty path, and nothing for no path", () => {
    expect(keepInClear(args, [""])).toEqual(args);
    expect(keepInClear(args, [[]])).toEqual(args);
    expect(keepInClear(args, [])).toBeUndefined();
    expect(keepInClear(args, ["missing", "customer.missing"])).toBeUndefined();
  });

  it("lets a wider path win over a narrower one, in either order", () => {
    expect(keepInClear(args, ["customer.id", "customer"])).toEqual({ customer: args.customer });
    expect(keepInClear(args, ["customer", "customer.id"])).toEqual({ customer: args.customer });
  });

  it("does not go through arrays or primitives", () => {
    expect(keepInClear(args, ["items.0.id", "amount.x", "card.length"])).toBeUndefined();
    expect(keepInClear(args, ["items"])).toEqual({ items: [{ id: 1 }] });
  });

  it("never reads inherited keys", () => {
    const proto = { secret: "inherited", nested: { x: 1 } };
    const withProto = Object.assign(Object.create(proto), { own: 1 });
    expect(keepInClear(withProto, ["secret", "nested.x", "toString", "constructor.name", "own"])).toEqual({ own: 1 });
    expect(Object.getPrototypeOf(keepInClear(withProto, ["own"])!)).toBe(Object.prototype);
  });

  it("keeps an own `__proto__` key as data, without touching any prototype", () => {
    const parsed = JSON.parse('{"__proto__":{"polluted":true},"a":1}');
    const kept = keepInClear(parsed, ["__proto__.polluted", "a"])!;
    expect(Object.keys(kept)).toEqual(["__proto__", "a"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(kept)).toBe(Object.prototype);
  });

  it("copies kept values: changing the arguments later changes nothing", () => {
    const a = { customer: { id: "c1", tags: ["x"] } };
    const kept = keepInClear(a, ["customer"])!;
    a.customer.tags.push("y");
    a.customer.id = "c2";
    expect(kept).toEqual({ customer: { id: "c1", tags: ["x"] } });
  });
});

describe("auditAction", () => {
  it("keeps the action's fields, hashes the arguments and keeps the cleared ones", () => {
    const action = { kind: "tool", session: "s1", agent: "a", tool: "refund", line: "x", args: { amount: 5, card: "4111" }, labels: ["pii"] };
    expect(auditAction(action, ["amount"])).toEqual({
      kind: "tool", tool: "refund", labels: ["pii"], args_hash: canonicalHash({ card: "4111", amount: 5 }), args: { amount: 5 },
    });
  });

  it("has no args_hash without arguments, and no args when nothing is kept", () => {
    expect(auditAction({ kind: "http", url: "https://x.example/", host: "x.example", port: 443 })).toEqual({ kind: "http", url: "https://x.example/", host: "x.example", port: 443 });
    expect(auditAction({ kind: "tool", args: { a: 1 } })).toEqual({ kind: "tool", args_hash: canonicalHash({ a: 1 }) });
  });
});
