export { caseFromObject, parseTestFile, compareDecisions, compareIssues, compareResults } from "./cases.js";
export type { PolicyCase, CaseFailure, ExpectedDecision, ExpectedIssue, ExpectedResult } from "./cases.js";
export { runCase } from "./run.js";
