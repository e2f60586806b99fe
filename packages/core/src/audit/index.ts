// The audit module (DESIGN §6), for every runtime. Node-only parts: index-node.ts.

export { auditAction, keepInClear, type AuditableAction, type ClearPath } from "./action.js";
export { canonicalJson } from "./canonical.js";
export { AuditChain, type AuditChainOptions, type ChainPosition } from "./chain.js";
export { auditPublicKey, checkpointSigner, parsePublicKey, verifyCheckpoint, type CheckpointSigner } from "./checkpoint.js";
export { canonicalHash, pureSha256Hex, sha256Hex, type HashHex } from "./hash.js";
export { recordLine } from "./record-json.js";
export {
  AUDIT_ACTION_FIELDS, AUDIT_EFFECTS, AUDIT_RECORD_TYPES, AUDIT_VERSION, ZERO_HASH,
  type AuditAction, type AuditEntry, type AuditEntryRecord, type AuditLink, type AuditRecord, type AuditRecordType, type CheckpointEvent, type CheckpointRecord,
} from "./record.js";
export { AUDIT_SCHEMA } from "./schema.js";
export { recordProblem } from "./shape.js";
export { browserSink, callbackSink, consoleSink, memorySink, type AuditSink, type BrowserSinkOptions, type LineStream } from "./sinks.js";
export { verifyChain, type AuditLine, type VerifyOptions, type VerifyResult } from "./verify.js";
