// Policy tests: the format shared by `trailguard test` and the conformance corpus in test/. A case is a
// policy, a list of events and the decisions expected for its actions, or the load errors expected for
// a policy that must be refused.

import { parse as parseYamlText } from "yaml";
import { toEvent, type TraceEvent } from "../trace/parse.js";
import type { Decision } from "../guard/decision.js";
import type { PolicyIssue } from "../policy/issues.js";
import type { RecordedResult } from "../guard/outputs.js";
import { TraceError } from "../errors.js";

/** What a case expects of one action's decision; only the keys given are compared. */
export type ExpectedDecision = Partial<Pick<Decision, "effect" | "code" | "matched" | "shadow" | "reason">> & { rule?: string | null };

/** What a case expects `recordResult` to return for one result event; only the keys given are compared. */
export type ExpectedResult = Partial<Pick<RecordedResult, "output" | "redacted" | "rules" | "overRedacted" | "withheld">>;

/** What a case expects of a policy that must not load; only the keys given are compared. */
export type ExpectedIssue = Partial<Pick<PolicyIssue, "code" | "line" | "column">> & { message?: string };

/** One test case. */
export interface PolicyCase {
  name: string;
  /** Policy YAML text, or a policy object. */
  policy: string | object;
  events: TraceEvent[];
  expect?: ExpectedDecision[];
  expectErrors?: ExpectedIssue[];
  /** One entry per `result` event, in order. */
  expectResults?: ExpectedResult[];
}

/** A mismatch between what a case expected and what happened. */
export interface CaseFailure {
  case: string;
  /** Index of the action among the case's action events, or -1 for load problems. */
  action: number;
  message: string;
  expected?: unknown;
  actual?: unknown;
}

/**
 * Reads a case from its YAML form (`policy`, `events` or `action`, `expect` or `expect_errors`).
 * Throws {@link TraceError} when the case itself is malformed.
 *
 * @example
 * const c = caseFromObject(YAML.parse(text), "deny-delete");
 */
export function caseFromObject(value: unknown, name: string, policyFallback?: string | object): PolicyCase {
  if (typeof value !== "object" || value === null) throw new TraceError(1, `case \`${name}\` must be a mapping`);
  const v = value as Record<string, unknown>;
  const known = ["name", "description", "policy", "events", "action", "expect", "expect_errors", "expect_results"];
  for (const k of Object.keys(v)) if (!known.includes(k)) throw new TraceError(1, `case \`${name}\`: unknown key \`${k}\``);
  const policy = (v.policy as string | object | undefined) ?? policyFallback;
  if (policy === undefined) throw new TraceError(1, `case \`${name}\` has no policy`);
  const rawEvents = v.events ?? (v.action !== undefined ? [{ type: "action", ...(v.action as object) }] : []);
  if (!Array.isArray(rawEvents)) throw new TraceError(1, `case \`${name}\`: \`events\` must be a list`);
  const events = rawEvents.map((e, i) => toEvent(e, i + 1));
  const asList = <T>(x: unknown): T[] | undefined => (x === undefined ? undefined : Array.isArray(x) ? (x as T[]) : [x as T]);
  const expect = asList<ExpectedDecision>(v.expect);
  const expectErrors = asList<ExpectedIssue>(v.expect_errors);
  const expectResults = asList<ExpectedResult>(v.expect_results);
  if (!expect && !expectErrors) throw new TraceError(1, `case \`${name}\` needs \`expect\` or \`expect_errors\``);
  const actions = events.filter((e) => e.type === "action").length;
  if (expect && expect.length !== actions) {
    throw new TraceError(1, `case \`${name}\` has ${actions} action(s) but ${expect.length} expectation(s)`);
  }
  const results = events.filter((e) => e.type === "result").length;
  if (expectResults && expectResults.length !== results) {
    throw new TraceError(1, `case \`${name}\` has ${results} result(s) but ${expectResults.length} result expectation(s)`);
  }
  return {
    name: typeof v.name === "string" ? v.name : name, policy, events,
    ...(expect ? { expect } : {}), ...(expectErrors ? { expectErrors } : {}), ...(expectResults ? { expectResults } : {}),
  };
}

/**
 * Parses a policy test file: `policy` (shared by every case) and `cases`.
 *
 * @example
 * const cases = parseTestFile(text, (path) => readFileSync(path, "utf8"));
 */
export function parseTestFile(text: string, readPolicy: (path: string) => string): PolicyCase[] {
  const doc = parseYamlText(text) as Record<string, unknown> | null;
  if (!doc || typeof doc !== "object") throw new TraceError(1, "a test file must be a mapping with `policy` and `cases`");
  let policy = doc.policy as string | object | undefined;
  // A one-line string without a newline is a path to the policy file, relative to the test file.
  if (typeof policy === "string" && !policy.includes("\n")) policy = readPolicy(policy);
  if (!Array.isArray(doc.cases)) throw new TraceError(1, "a test file needs `cases`: a list");
  return doc.cases.map((c, i) => caseFromObject(c, (c as { name?: string })?.name ?? `case ${i + 1}`, policy));
}

/**
 * Compares decisions with a case's expectations.
 *
 * @example
 * const failures = compareDecisions(c, decisions);
 */
export function compareDecisions(c: PolicyCase, decisions: Decision[]): CaseFailure[] {
  const failures: CaseFailure[] = [];
  (c.expect ?? []).forEach((exp, i) => {
    const got = decisions[i];
    if (!got) return failures.push({ case: c.name, action: i, message: "no decision" });
    for (const [key, want] of Object.entries(exp)) {
      const actual = key === "rule" ? got.rule ?? null : (got as unknown as Record<string, unknown>)[key];
      const ok = key === "reason" ? typeof actual === "string" && actual.includes(String(want)) : JSON.stringify(actual ?? (key === "shadow" ? false : null)) === JSON.stringify(want);
      if (!ok) failures.push({ case: c.name, action: i, message: `${key} differs`, expected: want, actual: actual ?? null });
    }
  });
  return failures;
}

/**
 * Compares what `recordResult` returned with a case's `expect_results` (outputs compared as JSON).
 *
 * @example
 * const failures = compareResults(c, recorded);
 */
export function compareResults(c: PolicyCase, results: RecordedResult[]): CaseFailure[] {
  const failures: CaseFailure[] = [];
  (c.expectResults ?? []).forEach((exp, i) => {
    const got = results[i];
    if (!got) return failures.push({ case: c.name, action: -1, message: `no outcome for result ${i}` });
    for (const [key, want] of Object.entries(exp)) {
      const actual = (got as unknown as Record<string, unknown>)[key];
      if (JSON.stringify(actual) !== JSON.stringify(want)) failures.push({ case: c.name, action: -1, message: `result ${i}: ${key} differs`, expected: want, actual });
    }
  });
  return failures;
}

/**
 * Compares load errors with a case's `expect_errors`: each expected issue must match one actual issue.
 *
 * @example
 * const failures = compareIssues(c, loadPolicy(c.policy).errors);
 */
export function compareIssues(c: PolicyCase, issues: PolicyIssue[]): CaseFailure[] {
  const failures: CaseFailure[] = [];
  if (issues.length === 0) return [{ case: c.name, action: -1, message: "the policy loaded, but errors were expected", expected: c.expectErrors }];
  for (const exp of c.expectErrors ?? []) {
    const hit = issues.some((i) =>
      (exp.code === undefined || i.code === exp.code) &&
      (exp.line === undefined || i.line === exp.line) &&
      (exp.column === undefined || i.column === exp.column) &&
      (exp.message === undefined || i.message.includes(exp.message)));
    if (!hit) failures.push({ case: c.name, action: -1, message: "expected load error not reported", expected: exp, actual: issues });
  }
  return failures;
}
