// The one place a tool's output passes on its way back to the model. Today it hands the output to the
// guard for flow rules (labels and fingerprints, DESIGN §4.3) and passes it on unchanged. Output rules
// (DESIGN §4.7, redaction) are being added to core; when `recordResult` returns `{ output, redacted }`,
// the returned output is what must reach the model, and this function already prefers it.

import type { Guard, ToolResult } from "@trailguard/core";

/**
 * Records a tool's output with the guard and returns the output the model may see: the guard's version
 * when it returns one (`{ output }`, once output rules exist), otherwise the output unchanged.
 */
export function afterTool(guard: Guard, result: ToolResult): unknown {
  // `recordResult` is typed `void` today; reading its return value keeps this adapter correct both
  // before and after core starts returning the redacted output.
  const returned: unknown = guard.recordResult(result);
  if (typeof returned === "object" && returned !== null && "output" in returned) return (returned as { output: unknown }).output;
  return result.output;
}
