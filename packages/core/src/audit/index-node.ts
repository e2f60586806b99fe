// The audit module for Node: everything in index.ts, plus the file sink, log reading and native SHA-256.

export * from "./index.js";
export { fileSink, resumeChain, type FileSinkOptions } from "./file-sink-node.js";
export { nodeSha256Hex } from "./hash-node.js";
export { logFilesInOrder, readLogFiles } from "./read-node.js";
