// Audit replay (DESIGN §6): re-deciding a log's actions against a policy.

export { replayAuditLog } from "./replay.js";
export { summariseAction, type AuditReplayDifference, type AuditReplayOptions, type AuditReplayReport, type ReplayVerdict } from "./report.js";
