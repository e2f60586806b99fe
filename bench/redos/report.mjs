// Small statistics and a plain-text table for the ReDoS benchmark's report.

/**
 * The q-quantile of numbers (nearest rank; NaN for none).
 *
 * @example quantile([3, 1, 2], 0.5) // 2
 */
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** @example median([1, 5, 2]) // 2 */
export function median(values) {
  return quantile(values, 0.5);
}

/**
 * Counts of each key, most frequent first (ties by key, so the order is stable between runs).
 *
 * @example histogram(["a", "b", "a"]) // [["a", 2], ["b", 1]]
 */
export function histogram(keys) {
  const counts = new Map();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/** @example share(1, 3) // "33.3%" */
export function share(part, whole) {
  return whole === 0 ? "n/a" : `${((100 * part) / whole).toFixed(1)}%`;
}

/** Milliseconds with sensible precision for the table. @example ms(0.01234) // "0.012" */
export function ms(x) {
  if (x === undefined || Number.isNaN(x)) return "–";
  return x < 1 ? x.toFixed(3) : x < 100 ? x.toFixed(2) : x.toFixed(0);
}

/** @example kib(1048576) // "1024 KiB" */
export function kib(bytes) {
  return `${bytes / 1024} KiB`;
}

/**
 * Rows as a left-aligned text table with a header rule.
 *
 * @example table(["a", "b"], [[1, 2]]) // "a  b\n-  -\n1  2"
 */
export function table(header, rows) {
  const cells = [header, ...rows].map((r) => r.map(String));
  const width = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  const line = (r) => r.map((x, c) => x.padEnd(width[c])).join("  ").trimEnd();
  return [line(cells[0]), line(width.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)].join("\n");
}

/**
 * JSON indented, except that arrays of plain values and objects of plain values (or arrays of them)
 * take one line each: the results file stays readable and diffable with one line per pattern row,
 * instead of one per number.
 *
 * @example stringify({ a: [1, 2], b: { c: { d: "x" } } }) // '{\n  "a": [1,2],\n  "b": {\n    "c": {"d":"x"}\n  }\n}'
 */
export function stringify(value, indent = "") {
  const flat = (v) => v === null || typeof v !== "object";
  const flatList = (v) => flat(v) || (Array.isArray(v) && v.every(flat));
  if (flatList(value) || (!Array.isArray(value) && Object.values(value).every(flatList))) return JSON.stringify(value) ?? "null";
  const inner = `${indent}  `;
  if (Array.isArray(value)) return `[\n${value.map((v) => inner + stringify(v, inner)).join(",\n")}\n${indent}]`;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${stringify(v, inner)}`).join(",\n")}\n${indent}}`;
}
