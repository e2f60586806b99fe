// The Node entry: everything of the browser entry, plus helpers that read files.
export * from "./index.js";
export { loadPolicyFile } from "./policy/load-file.js";
