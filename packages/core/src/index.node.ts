// The Node entry: everything of the browser entry, plus helpers that read files.
export * from "./index.js";
// Node's native SHA-256 for compiled policy files' digests (digest-node.ts registers it on import).
import "./compiled/digest-node.js";
export { loadPolicyFile } from "./policy/load-file.js";
export { consoleApprover, type ConsoleApproverOptions } from "./approvals/console-approver-node.js";
export { fileSink, resumeChain, nodeSha256Hex, logFilesInOrder, readLogFiles, type FileSinkOptions } from "./audit/index-node.js";
