// Small checks shared by the shape validators: every problem is reported through `err`, nothing throws.

import { EFFECTS } from "./types.js";

export type Path = (string | number)[];
export type Report = (code: string, path: Path, message: string) => void;

export const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function optionalString(obj: Record<string, unknown>, key: string, at: Path, err: Report): void {
  if (key in obj && typeof obj[key] !== "string") err("type_error", [...at, key], `\`${key}\` must be a string`);
}

export function unknownKeys(obj: Record<string, unknown>, known: readonly string[], at: Path, what: string, err: Report): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) err("unknown_key", [...at, key], `unknown key \`${key}\` in ${what}${suggest(key, known)}`);
  }
}

/** Checks an id in the policy's one namespace of decision ids (rules, sequences, limits, sinks). */
export function checkId(obj: Record<string, unknown>, at: Path, what: string, seen: Map<string, string>, err: Report): void {
  const id = obj.id;
  if (typeof id !== "string") return err(id === undefined ? "missing_key" : "type_error", at, `${what} needs an \`id\` (a string)`);
  if (!ID.test(id)) return err("invalid_name", [...at, "id"], `id \`${id}\` may contain only letters, digits and \`_ . : -\``);
  if (id.startsWith("essential.") || id.startsWith("heuristics.")) return err("invalid_name", [...at, "id"], `id \`${id}\` is reserved for the ${id.split(".")[0]} pack`);
  const other = seen.get(id);
  if (other) return err("duplicate_id", [...at, "id"], `id \`${id}\` is already used by ${other}`);
  seen.set(id, formatAt(at));
}

export function checkEffect(obj: Record<string, unknown>, at: Path, what: string, err: Report): void {
  if (obj.effect === undefined) err("missing_key", at, `${what} needs an \`effect\`: ${EFFECTS.map((e) => `\`${e}\``).join(", ")}`);
  else if (!(EFFECTS as readonly unknown[]).includes(obj.effect)) {
    err("type_error", [...at, "effect"], `unknown effect \`${String(obj.effect)}\`; use one of ${EFFECTS.map((e) => `\`${e}\``).join(", ")}`);
  }
}

export function requireCondition(obj: Record<string, unknown>, key: string, at: Path, what: string, err: Report): void {
  if (typeof obj[key] !== "string" || (obj[key] as string).trim() === "") {
    err(obj[key] === undefined ? "missing_key" : "type_error", obj[key] === undefined ? at : [...at, key], `${what} needs a \`${key}\` condition (a string)`);
  }
}

export function stringList(v: unknown, at: Path, what: string, err: Report): v is string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === "string" && x !== "")) {
    err("type_error", at, `${what} must be a non-empty list of strings`);
    return false;
  }
  return true;
}

function formatAt(at: Path): string {
  let out = "";
  for (const p of at) out += typeof p === "number" ? `[${p}]` : out === "" ? p : `.${p}`;
  return out;
}

/** A "did you mean" hint for a misspelt key, by edit distance. */
export function suggest(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestD = 3; // more than two edits away is a different word, not a typo
  for (const k of known) {
    const d = distance(key, k);
    if (d < bestD) { bestD = d; best = k; }
  }
  return best ? `; did you mean \`${best}\`?` : "";
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A window length in milliseconds: a positive number, or `500ms`, `60s`, `5m`, `1h`, `1d`.
 *
 * @example
 * parseDuration("5m") // 300000
 */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) && v > 0 ? v : undefined;
  if (typeof v !== "string") return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(v.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms > 0 ? ms : undefined;
}
