/**
 * Deep, frozen copies of JSON-like values. The desk copies the action before an approver sees it and
 * the arguments an approver hands back, so neither side can change the other's data afterwards, and
 * everything a request or answer holds can be sent as JSON (the webhook) and hashed (the guard).
 */

// Beyond this nesting a value is refused: canonical actions and their arguments are shallow, and a
// bound keeps a hostile value from exhausting the stack.
const MAX_DEPTH = 64;

// Beyond this many values a value is refused: JSON cannot share a sub-value, but an object built in
// code can point at the same child twice at every level, which would make a copy exponential.
const MAX_VALUES = 100_000;

/**
 * Why a value cannot be copied: the path (`args.list[2]`) and what is wrong there.
 *
 * @example
 * try { frozenCopy({ f: () => 1 }, "args"); } catch (e) { if (e instanceof CopyError) e.message; } // "`args.f` is a function…"
 */
export class CopyError extends Error {}

/**
 * True for `{}`-style objects: made by a literal, `JSON.parse`, `Object.create(null)` or
 * `Object.fromEntries`, not class instances, arrays, dates or maps.
 *
 * @example
 * isPlainObject({ a: 1 }) // true
 * isPlainObject(new Date()) // false
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A deep copy of a JSON-like value (`null`, booleans, finite numbers, strings, arrays, plain objects),
 * frozen at every level. Object properties that are `undefined` are left out and `undefined` array
 * entries become `null`, as `JSON.stringify` does. Anything else (functions, symbols, bigints,
 * non-finite numbers, class instances, cycles, nesting beyond 64 levels) throws {@link CopyError} naming
 * the path.
 *
 * @example
 * const copy = frozenCopy({ args: { env: "prod" } }, "action") as { args: { env: string } };
 * Object.isFrozen(copy.args) // true
 */
export function frozenCopy(value: unknown, path: string): unknown {
  const budget = { left: MAX_VALUES };
  return copy(value, path, 0, new Set(), budget);
}

function copy(value: unknown, path: string, depth: number, ancestors: Set<object>, budget: { left: number }): unknown {
  if (--budget.left < 0) throw new CopyError(`\`${path}\` holds more than ${MAX_VALUES} values`);
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new CopyError(`\`${path}\` is ${String(value)}, not a finite number`);
    return value;
  }
  if (typeof value !== "object") throw new CopyError(`\`${path}\` is a ${typeof value}, not a json value`);
  if (depth >= MAX_DEPTH) throw new CopyError(`\`${path}\` is nested deeper than ${MAX_DEPTH} levels`);
  if (ancestors.has(value)) throw new CopyError(`\`${path}\` contains itself`);
  ancestors.add(value);
  let out: unknown;
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      items.push(item === undefined ? null : copy(item, `${path}[${i}]`, depth + 1, ancestors, budget));
    }
    out = items;
  } else if (isPlainObject(value)) {
    const entries: [string, unknown][] = [];
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (item !== undefined) entries.push([key, copy(item, `${path}.${key}`, depth + 1, ancestors, budget)]);
    }
    // fromEntries defines own properties, so a `__proto__` key stays data and never becomes a prototype.
    out = Object.fromEntries(entries);
  } else {
    throw new CopyError(`\`${path}\` is a ${value.constructor?.name ?? "non-plain object"}, not a json value`);
  }
  ancestors.delete(value);
  return Object.freeze(out);
}
