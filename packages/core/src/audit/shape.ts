// The structural check of a record, by hand: the verifier and the chain run it on every record, and the
// JSON Schema validator (ajv) is a test-only dependency. schema.test.ts checks that this and
// AUDIT_SCHEMA accept and refuse the same records.

import { AUDIT_ACTION_FIELDS, AUDIT_EFFECTS, AUDIT_RECORD_TYPES, AUDIT_VERSION } from "./record.js";

/** Lower-case hex SHA-256. */
export const HEX64 = /^[0-9a-f]{64}$/;
// An Ed25519 signature is 64 bytes: 86 base64 digits and two pad characters.
const SIGNATURE = /^[A-Za-z0-9+/]{86}==$/;
// Date.prototype.toISOString: four-digit years, or six with a sign outside 0000–9999.
const ISO_TIME = /^(?:\d{4}|[+-]\d{6})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
// The largest |time value| a Date holds (ECMAScript §21.4.1.1): `now` must have an ISO form.
const MAX_TIME = 8.64e15;

const ENTRY_KEYS = new Set([
  "type", "now", "session", "agent", "adapter", "action", "effect", "rule", "code", "reason", "matched", "labels",
  "shadow", "policy", "input", "latency_us", "event",
]);
const LINK_KEYS = ["v", "seq", "ts", "prev", "hash"] as const;
const RECORD_KEYS = new Set([...ENTRY_KEYS, ...LINK_KEYS]);
const CHECKPOINT_KEYS = new Set(["v", "seq", "type", "ts", "now", "event", "prev", "hash"]);
const ACTION_KEYS = new Set<string>(["kind", ...AUDIT_ACTION_FIELDS, "args_hash", "args"]);
const USAGE_KEYS = new Set(["tokens", "cost"]);
const EVENT_KEYS = new Set(["head", "signature", "key"]);
const TYPES = new Set<string>(AUDIT_RECORD_TYPES);
const EFFECTS = new Set<string>(AUDIT_EFFECTS);
// A TCP or UDP port number.
const MAX_PORT = 65535;

/**
 * The first structural problem of a whole record (what AUDIT_SCHEMA describes), or `undefined` when it
 * has none. It does not check the hash or the chain; the verifier does.
 *
 * @example
 * recordProblem(JSON.parse(line)) // "`seq` must be an integer ≥ 0"
 */
export function recordProblem(r: unknown): string | undefined {
  if (!isObject(r)) return "a record must be a JSON object";
  if (r.v !== AUDIT_VERSION) return `\`v\` must be ${AUDIT_VERSION}, got \`${short(r.v)}\``;
  if (!Number.isSafeInteger(r.seq) || (r.seq as number) < 0) return "`seq` must be an integer ≥ 0";
  if (typeof r.ts !== "string" || !ISO_TIME.test(r.ts)) return "`ts` must be an ISO 8601 time like `2026-01-01T00:00:00.000Z`";
  if (typeof r.prev !== "string" || !HEX64.test(r.prev)) return "`prev` must be 64 lower-case hex digits";
  if (typeof r.hash !== "string" || !HEX64.test(r.hash)) return "`hash` must be 64 lower-case hex digits";
  if (r.type === "checkpoint") return checkpointProblem(r);
  const unknown = firstUnknown(r, RECORD_KEYS);
  if (unknown !== undefined) return `unknown field \`${short(unknown)}\``;
  return fieldsProblem(r, true);
}

/**
 * The first problem of an entry handed to the chain (a record without `v`, `seq`, `ts`, `prev`, `hash`),
 * or `undefined`. Keys the format does not have are not looked for (the chain copies only the format's
 * fields). `trustedPolicy`, a policy hash already checked, saves checking it again on every decision.
 *
 * @example
 * entryProblem({ type: "decision", now: 0, session: "s" }) // "`policy` must be 64 lower-case hex digits"
 */
export function entryProblem(e: unknown, trustedPolicy?: string): string | undefined {
  if (!isObject(e)) return "an audit entry must be an object";
  if (e.type === "checkpoint") return "`checkpoint` records are written by the chain, not appended";
  return fieldsProblem(e, false, trustedPolicy);
}

function checkpointProblem(r: Record<string, unknown>): string | undefined {
  const unknown = firstUnknown(r, CHECKPOINT_KEYS);
  if (unknown !== undefined) return `a checkpoint has no field \`${short(unknown)}\``;
  if (!isTime(r.now)) return "`now` must be a time in ms since the epoch";
  const e = r.event;
  if (!isObject(e)) return "a checkpoint's `event` must be an object";
  const extra = firstUnknown(e, EVENT_KEYS);
  if (extra !== undefined) return `a checkpoint's \`event\` has no field \`${short(extra)}\``;
  if (typeof e.head !== "string" || !HEX64.test(e.head)) return "a checkpoint's `head` must be 64 lower-case hex digits";
  if (typeof e.signature !== "string" || !SIGNATURE.test(e.signature)) return "a checkpoint's `signature` must be a base64 Ed25519 signature";
  if (typeof e.key !== "string" || e.key === "") return "a checkpoint's `key` must be a non-empty string";
  return undefined;
}

// The fields an entry and a non-checkpoint record share; `strict` also refuses unknown keys in `action`.
function fieldsProblem(r: Record<string, unknown>, strict: boolean, trustedPolicy?: string): string | undefined {
  if (typeof r.type !== "string" || !TYPES.has(r.type)) return `\`type\` must be one of ${AUDIT_RECORD_TYPES.slice(0, -1).join(", ")}, got \`${short(r.type)}\``;
  if (!isTime(r.now)) return "`now` must be a time in ms since the epoch";
  if (typeof r.session !== "string") return "`session` must be a string";
  // Spelled out rather than looped over names: this runs on every decision, and keyed loads are slow.
  const notString = !optString(r.agent) ? "agent" : !optString(r.adapter) ? "adapter" : !optString(r.rule) ? "rule"
    : !optString(r.code) ? "code" : !optString(r.reason) ? "reason" : undefined;
  if (notString !== undefined) return `\`${notString}\` must be a string`;
  if (!(trustedPolicy !== undefined && r.policy === trustedPolicy) && (typeof r.policy !== "string" || !HEX64.test(r.policy))) return "`policy` must be 64 lower-case hex digits";
  if (r.input !== undefined && (typeof r.input !== "string" || !HEX64.test(r.input))) return "`input` must be 64 lower-case hex digits";
  if (r.effect !== undefined && (typeof r.effect !== "string" || !EFFECTS.has(r.effect))) return `\`effect\` must be one of ${AUDIT_EFFECTS.join(", ")}, got \`${short(r.effect)}\``;
  if (r.matched !== undefined && !isStrings(r.matched)) return "`matched` must be a list of strings";
  if (r.labels !== undefined && !isStrings(r.labels)) return "`labels` must be a list of strings";
  if (r.shadow !== undefined && r.shadow !== true) return "`shadow` is present only as `true`";
  if (r.latency_us !== undefined && !(typeof r.latency_us === "number" && Number.isFinite(r.latency_us) && r.latency_us >= 0)) return "`latency_us` must be a number ≥ 0";
  if (r.action !== undefined) {
    const p = actionProblem(r.action, strict);
    if (p !== undefined) return p;
  }
  return eventProblem(r.type, r.event);
}

function actionProblem(a: unknown, strict: boolean): string | undefined {
  if (!isObject(a)) return "`action` must be an object";
  const unknown = strict ? firstUnknown(a, ACTION_KEYS) : undefined;
  if (unknown !== undefined) return `\`action\` has no field \`${short(unknown)}\``;
  if (typeof a.kind !== "string" || a.kind === "") return "`action.kind` must be a non-empty string";
  const notString = !optString(a.tool) ? "tool" : !optString(a.target) ? "target" : !optString(a.method) ? "method"
    : !optString(a.url) ? "url" : !optString(a.host) ? "host" : !optString(a.path) ? "path" : !optString(a.query) ? "query"
    : !optString(a.command) ? "command" : !optString(a.program) ? "program" : !optString(a.file) ? "file"
    : !optString(a.statement) ? "statement" : !optString(a.origin) ? "origin" : undefined;
  if (notString !== undefined) return `\`action.${notString}\` must be a string`;
  if (a.port !== undefined && !(Number.isInteger(a.port) && (a.port as number) >= 0 && (a.port as number) <= MAX_PORT)) return "`action.port` must be an integer from 0 to 65535";
  if (a.labels !== undefined && !isStrings(a.labels)) return "`action.labels` must be a list of strings";
  if (a.argv !== undefined && !isStrings(a.argv)) return "`action.argv` must be a list of strings";
  if (a.tables !== undefined && !isStrings(a.tables)) return "`action.tables` must be a list of strings";
  if (!optString(a.verb)) return "`action.verb` must be a string";
  if (a.usage !== undefined) {
    const u = a.usage;
    if (!isObject(u) || (strict && firstUnknown(u, USAGE_KEYS) !== undefined)) return "`action.usage` must be an object with `tokens` and `cost`";
    if (!optNumber(u.tokens)) return "`action.usage.tokens` must be a number";
    if (!optNumber(u.cost)) return "`action.usage.cost` must be a number";
  }
  if (a.args_hash !== undefined && (typeof a.args_hash !== "string" || !HEX64.test(a.args_hash))) return "`action.args_hash` must be 64 lower-case hex digits";
  if (a.args !== undefined && !isObject(a.args)) return "`action.args` must be an object";
  return undefined;
}

function eventProblem(type: string, e: unknown): string | undefined {
  if (e === undefined) {
    return type === "approval" ? "an approval record needs an `event` with `id` and `state`" : type === "policy" ? "a policy record needs an `event` with `from` and `to`" : undefined;
  }
  if (!isObject(e)) return "`event` must be an object";
  if (type === "policy") {
    if (typeof e.from !== "string" || !HEX64.test(e.from)) return "a policy record's `event.from` must be 64 lower-case hex digits";
    if (typeof e.to !== "string" || !HEX64.test(e.to)) return "a policy record's `event.to` must be 64 lower-case hex digits";
    if (e.reason !== undefined && typeof e.reason !== "string") return "a policy record's `event.reason` must be a string";
    if (e.carried !== undefined && !isStrings(e.carried)) return "a policy record's `event.carried` must be a list of strings";
    if (e.dropped !== undefined && !isStrings(e.dropped)) return "a policy record's `event.dropped` must be a list of strings";
  }
  if (type === "approval") {
    if (typeof e.id !== "string") return "an approval's `event.id` must be a string";
    if (typeof e.state !== "string") return "an approval's `event.state` must be a string";
  }
  if (type === "result") {
    if (e.output_hash !== undefined && (typeof e.output_hash !== "string" || !HEX64.test(e.output_hash))) return "a result's `event.output_hash` must be 64 lower-case hex digits";
    if (e.labels !== undefined && !isStrings(e.labels)) return "a result's `event.labels` must be a list of strings";
    if (e.redacted !== undefined && !(Number.isSafeInteger(e.redacted) && (e.redacted as number) >= 0)) return "a result's `event.redacted` must be a non-negative integer";
    if (e.redaction !== undefined && e.redaction !== "over" && e.redaction !== "withheld") return "a result's `event.redaction` must be `over` or `withheld`";
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function optString(v: unknown): boolean {
  return v === undefined || typeof v === "string";
}

function optNumber(v: unknown): boolean {
  return v === undefined || (typeof v === "number" && Number.isFinite(v));
}

function isStrings(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (const s of v) if (typeof s !== "string") return false;
  return true;
}

/**
 * A decision time the log can hold: finite, and within the ±8.64e15 ms a Date can stand for (so that
 * it has an ISO form).
 *
 * @example isTime(Date.now()) // true
 */
export function isTime(v: unknown): boolean {
  return typeof v === "number" && Number.isFinite(v) && Math.abs(v) <= MAX_TIME;
}

function firstUnknown(o: Record<string, unknown>, known: ReadonlySet<string>): string | undefined {
  // for…in without an own-property test would see inherited keys; Object.keys lists what JSON wrote.
  for (const k of Object.keys(o)) if (!known.has(k) && o[k] !== undefined) return k;
  return undefined;
}

// User values in messages are cut: a message is for a person, and a hostile value can be huge.
function short(v: unknown): string {
  const s = typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
  return s.length > 40 ? s.slice(0, 40) + "…" : s;
}
