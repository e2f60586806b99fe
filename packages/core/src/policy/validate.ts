// The shape of a version-1 policy document: every key known, every value of the right type. Expressions
// are checked later, by the compiler. All problems are collected; nothing throws.

import { EFFECTS, type PolicyDoc } from "./types.js";
import type { PolicyIssue } from "./issues.js";
import { checkId, isRecord, optionalString, parseDuration, requireCondition, suggest, unknownKeys, type Path, type Report } from "./shape.js";

/** The most sessions one guard may keep (each costs its record in the engine). */
export const MAX_SESSIONS = 10_000_000;
import { isPlanKey } from "../plans/sign.js";
import { validateFlows, validateLimits, validateOrigins, validateSequences } from "./validate-trajectory.js";
import { validateOutputs } from "./validate-outputs.js";

const ROOT_KEYS = ["version", "name", "description", "default", "mode", "extends", "sets", "rules", "sequences", "limits", "flows", "origins", "plans", "sessions", "audit", "outputs"];
const RULE_KEYS = ["id", "when", "unless", "effect", "reason"];
/**
 * Built-in packs a policy may extend.
 *
 * @example
 * PACKS // ["essential", "heuristics"]
 */
export const PACKS = ["essential", "heuristics"];
const SET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The outcome of {@link validatePolicyShape}. */
export interface ShapeResult {
  /** The document, when it has no errors. */
  doc?: PolicyDoc;
  /**
   * The well-formed part of a document that has errors (bad entries left out), so that the compiler can
   * still report the expression errors in the rest: every problem at once.
   */
  partial?: PolicyDoc;
  errors: PolicyIssue[];
  warnings: PolicyIssue[];
}

/**
 * Checks the structure of a policy document.
 *
 * @example
 * const { doc, errors } = validatePolicyShape({ version: 1, default: "deny", rules: [] });
 */
export function validatePolicyShape(value: unknown): ShapeResult {
  const errors: PolicyIssue[] = [];
  const warnings: PolicyIssue[] = [];
  const err: Report = (code, path, message) => errors.push({ code, path, message });
  const problems = () => errors.length;

  if (!isRecord(value)) {
    err("type_error", [], "a policy must be a mapping with `version`, `default` and `rules`");
    return { errors, warnings };
  }
  for (const key of Object.keys(value)) {
    if (!ROOT_KEYS.includes(key)) err("unknown_key", [key], `unknown key \`${key}\`${suggest(key, ROOT_KEYS)}`);
  }
  if (!("version" in value)) err("missing_key", [], "`version` is required (the format version, `1`)");
  else if (value.version !== 1) err("unsupported_version", ["version"], `unsupported version \`${String(value.version)}\`; this engine reads version 1`);

  if (!("default" in value)) err("missing_key", [], "`default` is required: `deny` (recommended) or `allow`");
  else if (value.default !== "deny" && value.default !== "allow") {
    err("type_error", ["default"], `\`default\` must be \`deny\` or \`allow\`, not \`${String(value.default)}\``);
  } else if (value.default === "allow") {
    warnings.push({ code: "default_allow", path: ["default"], message: "`default: allow` lets every action no rule names through; prefer `deny`" });
  }
  optionalString(value, "name", [], err);
  optionalString(value, "description", [], err);
  if ("mode" in value && value.mode !== "enforce" && value.mode !== "shadow") {
    err("type_error", ["mode"], `\`mode\` must be \`enforce\` or \`shadow\`, not \`${String(value.mode)}\``);
  }
  if ("extends" in value) {
    if (!Array.isArray(value.extends)) err("type_error", ["extends"], "`extends` must be a list of pack names");
    else value.extends.forEach((p, i) => {
      if (typeof p !== "string" || !PACKS.includes(p)) err("unknown_pack", ["extends", i], `unknown pack \`${String(p)}\`; available: ${PACKS.map((x) => `\`${x}\``).join(", ")}`);
    });
  }
  if ("sets" in value) {
    if (!isRecord(value.sets)) err("type_error", ["sets"], "`sets` must be a mapping of names to lists of strings");
    else for (const [name, entries] of Object.entries(value.sets)) {
      if (!SET_NAME.test(name)) err("invalid_name", ["sets", name], `set name \`${name}\` must be an identifier (letters, digits, \`_\`)`);
      if (!Array.isArray(entries)) err("type_error", ["sets", name], `set \`${name}\` must be a list of strings`);
      else entries.forEach((e, i) => {
        if (typeof e !== "string" || e === "") err("type_error", ["sets", name, i], `entries of set \`${name}\` must be non-empty strings`);
      });
    }
  }
  // One namespace for every id a decision can name: rules, sequences, limits, sinks, control sinks.
  const seen = new Map<string, string>();
  const goodRules: unknown[] = [];
  if ("rules" in value) {
    if (!Array.isArray(value.rules)) err("type_error", ["rules"], "`rules` must be a list");
    else value.rules.forEach((rule, i) => {
      validateRule(rule, i, seen, err);
      // A rule whose conditions and effect are usable is still compiled, so its expression errors are
      // reported too; an unusable one keeps its place (as null) so later errors name the right index.
      goodRules.push(compilable(rule) ? rule : null);
    });
  }
  const sequences = "sequences" in value ? validateSequences(value.sequences, seen, err, problems) : undefined;
  const limits = "limits" in value ? validateLimits(value.limits, seen, err, problems) : undefined;
  const flows = "flows" in value ? validateFlows(value.flows, seen, err, problems) : undefined;
  const origins = "origins" in value ? validateOrigins(value.origins, seen, err, problems) : undefined;
  const outputs = "outputs" in value ? validateOutputs(value.outputs, seen, err, problems) : undefined;
  if ("plans" in value) validatePlans(value.plans, err);
  if ("sessions" in value) validateSessions(value.sessions, err);
  if ("audit" in value) validateAudit(value.audit, err);

  if (!errors.length) return { doc: value as unknown as PolicyDoc, errors, warnings };
  const sets = isRecord(value.sets) ? Object.fromEntries(Object.entries(value.sets).filter(([, v]) => Array.isArray(v) && v.every((e) => typeof e === "string" && e !== ""))) : {};
  const partial = {
    version: 1, default: "deny", sets, rules: goodRules,
    extends: Array.isArray(value.extends) ? value.extends.filter((p) => PACKS.includes(p)) : [],
    ...(sequences ? { sequences } : {}), ...(limits ? { limits } : {}), ...(flows ? { flows } : {}), ...(origins ? { origins } : {}),
    ...(outputs ? { outputs } : {}),
  };
  return { partial: partial as unknown as PolicyDoc, errors, warnings };
}

function validateRule(rule: unknown, i: number, seen: Map<string, string>, err: Report): void {
  const at: Path = ["rules", i];
  if (!isRecord(rule)) return err("type_error", at, "a rule must be a mapping with `id`, `when` and `effect`");
  unknownKeys(rule, RULE_KEYS, at, "rule", err);
  checkId(rule, at, "a rule", seen, err);
  requireCondition(rule, "when", at, "a rule", err);
  optionalString(rule, "unless", at, err);
  optionalString(rule, "reason", at, err);
  if (rule.effect === undefined) err("missing_key", at, `a rule needs an \`effect\`: ${EFFECTS.map((e) => `\`${e}\``).join(", ")}`);
  else if (!(EFFECTS as readonly unknown[]).includes(rule.effect)) err("type_error", [...at, "effect"], `unknown effect \`${String(rule.effect)}\`; use one of ${EFFECTS.map((e) => `\`${e}\``).join(", ")}`);
}

// `args` (every argument) or a dotted path below it: `args.amount`, `args.customer.id`.
const CLEAR_PATH = /^args(\.[A-Za-z0-9_-]+)*$/;

function validateAudit(v: unknown, err: Report): void {
  if (!isRecord(v)) return err("type_error", ["audit"], "`audit` must be a mapping (`clear`)");
  unknownKeys(v, ["clear"], ["audit"], "audit", err);
  if (!("clear" in v)) return;
  if (!Array.isArray(v.clear)) return err("type_error", ["audit", "clear"], "`clear` must be a list of argument paths like `args.amount`");
  v.clear.forEach((c, i) => {
    if (typeof c !== "string" || !CLEAR_PATH.test(c)) {
      err("type_error", ["audit", "clear", i], `\`${String(c).slice(0, 80)}\` is not an argument path; write \`args\` or \`args.NAME\` (dotted for nested fields)`);
    }
  });
}

function validateSessions(v: unknown, err: Report): void {
  if (!isRecord(v)) return err("type_error", ["sessions"], "`sessions` must be a mapping (`max`, `idle`, `evicted`)");
  unknownKeys(v, ["max", "idle", "evicted"], ["sessions"], "sessions", err);
  if ("max" in v && !(Number.isInteger(v.max) && (v.max as number) >= 1 && (v.max as number) <= MAX_SESSIONS)) {
    err("type_error", ["sessions", "max"], `\`max\` must be an integer from 1 to ${MAX_SESSIONS}`);
  }
  if ("idle" in v && parseDuration(v.idle) === undefined) err("type_error", ["sessions", "idle"], `\`idle\` must be a duration like \`30m\` or milliseconds, not \`${String(v.idle)}\``);
  if ("evicted" in v && v.evicted !== "deny" && v.evicted !== "fresh") err("type_error", ["sessions", "evicted"], "`evicted` must be `deny` or `fresh`");
}

function validatePlans(v: unknown, err: Report): void {
  if (!isRecord(v)) return err("type_error", ["plans"], "`plans` must be a mapping with `keys` (and `required`)");
  unknownKeys(v, ["required", "keys"], ["plans"], "plans", err);
  if ("required" in v && typeof v.required !== "boolean") err("type_error", ["plans", "required"], "`required` must be `true` or `false`");
  if (!Array.isArray(v.keys) || v.keys.length === 0) err(v.keys === undefined ? "missing_key" : "type_error", ["plans"], "`plans` needs `keys`: the `ed25519:BASE64` public keys that may sign plans");
  else v.keys.forEach((k, i) => {
    if (!isPlanKey(k)) err("invalid_key", ["plans", "keys", i], `\`${String(k).slice(0, 80)}\` is not an Ed25519 public key (\`ed25519:\` and 32 bytes of base64)`);
  });
}

function compilable(rule: unknown): boolean {
  return isRecord(rule) && typeof rule.when === "string" && (rule.unless === undefined || typeof rule.unless === "string") &&
    (EFFECTS as readonly unknown[]).includes(rule.effect) && typeof rule.id === "string";
}
