// The shape of the trajectory sections (DESIGN §4.1–§4.4): sequences, limits, flows, origins. Each
// validator reports every problem and returns the well-formed entries, so that the compiler can still
// check the conditions of the rest.

import type { FlowsDoc, LimitDoc, OriginsDoc, SequenceDoc } from "./types.js";
import {
  checkEffect, checkId, isRecord, optionalString, parseDuration, requireCondition, stringList, unknownKeys,
  type Report,
} from "./shape.js";

// Each validator reports through `err`; `problems()` is how many problems have been reported so far, so
// an entry that added none is well-formed.

// Each list comes back with `null` in place of every malformed entry, as rules and outputs do, so that
// the compiler's index of an entry is its index in the YAML and its errors point at the right line. (The
// flow and origin lists keep their document types; the compiler skips the nulls.)

// A step mask is a u32 in the engine (core-wasm/assembly/trajectory.ts).
const MAX_STEPS = 32;

/** Validates `sequences`. */
export function validateSequences(v: unknown, seen: Map<string, string>, err: Report, problems: () => number): (SequenceDoc | null)[] {
  if (!Array.isArray(v)) {
    err("type_error", ["sequences"], "`sequences` must be a list");
    return [];
  }
  const good: (SequenceDoc | null)[] = [];
  v.forEach((s, i) => {
    const at = ["sequences", i];
    if (!isRecord(s)) {
      good.push(null);
      return err("type_error", at, "a sequence must be a mapping with `id`, `steps` and `effect`");
    }
    const before = problems();
    unknownKeys(s, ["id", "steps", "within", "within_ms", "effect", "reason"], at, "sequence", err);
    checkId(s, at, "a sequence", seen, err);
    checkEffect(s, at, "a sequence", err);
    optionalString(s, "reason", at, err);
    if (!Array.isArray(s.steps) || s.steps.length === 0) err(s.steps === undefined ? "missing_key" : "type_error", at, "a sequence needs `steps`: a non-empty list of `{when: …}`");
    else if (s.steps.length > MAX_STEPS) err("too_large", [...at, "steps"], `a sequence may have at most ${MAX_STEPS} steps`);
    else s.steps.forEach((step, j) => {
      if (!isRecord(step)) return err("type_error", [...at, "steps", j], "a step must be a mapping with `when`");
      unknownKeys(step, ["when"], [...at, "steps", j], "step", err);
      requireCondition(step, "when", [...at, "steps", j], "a step", err);
    });
    for (const k of ["within", "within_ms"]) {
      if (k in s && !(Number.isInteger(s[k]) && (s[k] as number) > 0)) err("type_error", [...at, k], `\`${k}\` must be a positive integer`);
    }
    good.push(problems() === before ? (s as unknown as SequenceDoc) : null);
  });
  return good;
}

/** Validates `limits`. */
export function validateLimits(v: unknown, seen: Map<string, string>, err: Report, problems: () => number): (LimitDoc | null)[] {
  if (!Array.isArray(v)) {
    err("type_error", ["limits"], "`limits` must be a list");
    return [];
  }
  const good: (LimitDoc | null)[] = [];
  v.forEach((l, i) => {
    const at = ["limits", i];
    if (!isRecord(l)) {
      good.push(null);
      return err("type_error", at, "a limit must be a mapping with `id`, `effect` and `max` or `repeat`");
    }
    const before = problems();
    unknownKeys(l, ["id", "when", "max", "per", "scope", "sum", "repeat", "effect", "reason"], at, "limit", err);
    checkId(l, at, "a limit", seen, err);
    checkEffect(l, at, "a limit", err);
    optionalString(l, "reason", at, err);
    if ("when" in l) requireCondition(l, "when", at, "a limit", err);
    if ("repeat" in l) {
      if (!(Number.isInteger(l.repeat) && (l.repeat as number) >= 2)) err("type_error", [...at, "repeat"], "`repeat` must be an integer of at least 2");
      for (const k of ["max", "per", "sum"]) if (k in l) err("type_error", [...at, k], `\`${k}\` does not go with \`repeat\``);
    } else {
      if (!("max" in l)) err("missing_key", at, "a limit needs `max` (or `repeat`)");
      else if (typeof l.max !== "number" || !Number.isFinite(l.max) || l.max < 0) err("type_error", [...at, "max"], "`max` must be a non-negative number");
      if ("per" in l && parseDuration(l.per) === undefined) err("type_error", [...at, "per"], `\`per\` must be a duration like \`60s\`, \`5m\`, \`1h\` or milliseconds, not \`${String(l.per)}\``);
      if ("sum" in l && l.sum !== "usage.tokens" && l.sum !== "usage.cost") err("type_error", [...at, "sum"], "`sum` must be `usage.tokens` or `usage.cost`");
    }
    if ("scope" in l && !["session", "agent", "global"].includes(l.scope as string)) err("type_error", [...at, "scope"], "`scope` must be `session`, `agent` or `global`");
    good.push(problems() === before ? (l as unknown as LimitDoc) : null);
  });
  return good;
}

/** Validates `flows`. */
export function validateFlows(v: unknown, seen: Map<string, string>, err: Report, problems: () => number): FlowsDoc {
  if (!isRecord(v)) {
    err("type_error", ["flows"], "`flows` must be a mapping with `sources` and `sinks`");
    return {};
  }
  unknownKeys(v, ["sources", "sinks"], ["flows"], "flows", err);
  const out: FlowsDoc = { sources: [], sinks: [] };
  if ("sources" in v) {
    if (!Array.isArray(v.sources)) err("type_error", ["flows", "sources"], "`sources` must be a list");
    else v.sources.forEach((s, i) => {
      const at = ["flows", "sources", i];
      if (!isRecord(s)) {
        out.sources!.push(null as never);
        return err("type_error", at, "a source must be a mapping with `when` and `labels`");
      }
      const before = problems();
      unknownKeys(s, ["when", "labels"], at, "source", err);
      requireCondition(s, "when", at, "a source", err);
      stringList(s.labels, [...at, "labels"], "`labels`", err);
      out.sources!.push((problems() === before ? s : null) as never);
    });
  }
  if ("sinks" in v) {
    if (!Array.isArray(v.sinks)) err("type_error", ["flows", "sinks"], "`sinks` must be a list");
    else v.sinks.forEach((s, i) => {
      const at = ["flows", "sinks", i];
      if (!isRecord(s)) {
        out.sinks!.push(null as never);
        return err("type_error", at, "a sink must be a mapping with `id`, `when`, `forbid` and `effect`");
      }
      const before = problems();
      unknownKeys(s, ["id", "when", "forbid", "scope", "effect", "reason"], at, "sink", err);
      checkId(s, at, "a sink", seen, err);
      requireCondition(s, "when", at, "a sink", err);
      stringList(s.forbid, [...at, "forbid"], "`forbid`", err);
      checkEffect(s, at, "a sink", err);
      optionalString(s, "reason", at, err);
      if ("scope" in s && s.scope !== "session" && s.scope !== "value") err("type_error", [...at, "scope"], "`scope` must be `session` or `value`");
      out.sinks!.push((problems() === before ? s : null) as never);
    });
  }
  return out;
}

/** Validates `origins`. */
export function validateOrigins(v: unknown, seen: Map<string, string>, err: Report, problems: () => number): OriginsDoc | undefined {
  if (!isRecord(v)) {
    err("type_error", ["origins"], "`origins` must be a mapping with `order`");
    return undefined;
  }
  unknownKeys(v, ["order", "sources", "control_sinks"], ["origins"], "origins", err);
  if (!stringList(v.order, ["origins", "order"], "`order` (lowest to highest)", err)) return undefined;
  const order = v.order as string[];
  if (new Set(order).size !== order.length) err("duplicate_id", ["origins", "order"], "`order` lists an origin twice");
  const known = (o: unknown, at: (string | number)[]) => {
    if (typeof o !== "string" || !order.includes(o)) err("unknown_origin", at, `unknown origin \`${String(o)}\`; \`order\` has ${order.map((x) => `\`${x}\``).join(", ")}`);
  };
  const out: OriginsDoc = { order, sources: [], control_sinks: [] };
  if ("sources" in v) {
    if (!Array.isArray(v.sources)) err("type_error", ["origins", "sources"], "`sources` must be a list");
    else v.sources.forEach((s, i) => {
      const at = ["origins", "sources", i];
      if (!isRecord(s)) {
        out.sources!.push(null as never);
        return err("type_error", at, "an origin source must be a mapping with `when` and `origin`");
      }
      const before = problems();
      unknownKeys(s, ["when", "origin"], at, "origin source", err);
      requireCondition(s, "when", at, "an origin source", err);
      known(s.origin, [...at, "origin"]);
      out.sources!.push((problems() === before ? s : null) as never);
    });
  }
  if ("control_sinks" in v) {
    if (!Array.isArray(v.control_sinks)) err("type_error", ["origins", "control_sinks"], "`control_sinks` must be a list");
    else v.control_sinks.forEach((s, i) => {
      const at = ["origins", "control_sinks", i];
      if (!isRecord(s)) {
        out.control_sinks!.push(null as never);
        return err("type_error", at, "a control sink must be a mapping with `id`, `when`, `min_origin` and `effect`");
      }
      const before = problems();
      unknownKeys(s, ["id", "when", "min_origin", "effect", "reason"], at, "control sink", err);
      checkId(s, at, "a control sink", seen, err);
      requireCondition(s, "when", at, "a control sink", err);
      known(s.min_origin, [...at, "min_origin"]);
      checkEffect(s, at, "a control sink", err);
      optionalString(s, "reason", at, err);
      out.control_sinks!.push((problems() === before ? s : null) as never);
    });
  }
  return out;
}
