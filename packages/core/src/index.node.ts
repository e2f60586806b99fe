// The Node entry: everything of the browser entry, plus helpers that read files.
export * from "./index.js";
export { loadPolicyFile } from "./policy/load-file.js";
export { consoleApprover, type ConsoleApproverOptions } from "./approvals/console-approver-node.js";
export { fileSink, resumeChain, nodeSha256Hex, logFilesInOrder, readLogFiles, type FileSinkOptions } from "./audit/index-node.js";
