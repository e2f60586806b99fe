export { caseFromObject, parseTestFile, compareDecisions, compareIssues } from "./cases.js";
export type { PolicyCase, CaseFailure, ExpectedDecision, ExpectedIssue } from "./cases.js";
export { runCase } from "./run.js";
