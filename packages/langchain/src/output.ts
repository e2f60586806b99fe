// The one place a tool's output passes on its way back to the model: the guard records it for flow rules
// (labels and fingerprints, DESIGN §4.3) and returns it with the policy's output rules applied (DESIGN
// §4.7, redaction); what it returns is what the model may see.

import type { Guard, ToolResult } from "@trailguard/core";

/**
 * Records a tool's output with the guard and returns the output the model may see: the guard's, with
 * every match of the policy's output rules replaced (or withheld whole when it could not be scanned).
 *
 * @example
 * const content = afterTool(guard, { session: "s1", tool: "read_file", output: text });
 */
export function afterTool(guard: Guard, result: ToolResult): unknown {
  return guard.recordResult(result).output;
}
