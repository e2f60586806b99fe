// Offline stand-ins for the tests: a chat model that plays a script of AI messages (tool calls included)
// and remembers what it was shown, tools that count their runs, and the policy the tests decide with.

import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { tool } from "@langchain/core/tools";
import { z } from "zod";

/** A chat model that answers with the next scripted message, then "done"; `seen` holds every prompt. */
export class ScriptedModel extends BaseChatModel {
  readonly seen: BaseMessage[][] = [];
  readonly script: AIMessage[];
  constructor(script: AIMessage[]) {
    super({});
    this.script = [...script];
  }
  _llmType(): string {
    return "scripted";
  }
  // createAgent binds its tools to the model; the script already knows which tools it calls.
  override bindTools(): any {
    return this;
  }
  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    this.seen.push([...messages]);
    const message = this.script.shift() ?? new AIMessage("done");
    return { generations: [{ message, text: typeof message.content === "string" ? message.content : "" }] };
  }
}

let nextId = 0;

/** An AI message that calls one tool. */
export function callTool(name: string, args: Record<string, unknown>, id = `call_${++nextId}`): AIMessage {
  return new AIMessage({ content: "", tool_calls: [{ name, args, id, type: "tool_call" }] });
}

/** A tool that records each call's arguments and answers with `output(args)`. */
export function countingTool(name: string, output: (args: Record<string, unknown>) => string = () => `${name} ok`) {
  const calls: Record<string, unknown>[] = [];
  const t = tool(
    async (args: Record<string, unknown>) => {
      calls.push(args);
      return output(args);
    },
    // Any arguments, passed through as the model wrote them.
    { name, description: `the ${name} tool`, schema: z.record(z.string(), z.unknown()) },
  );
  return { tool: t, calls };
}

/** The tests' policy: reads run, internal mail runs, external mail asks, deletes are denied, wipes kill. */
export const POLICY = `
version: 1
name: langchain-adapter-tests
default: deny
rules:
  - id: reads
    when: action.tool in ["search", "read_customers"]
    effect: allow
  - id: internal-mail
    when: action.tool == "send_email" && action.args.to.endsWith("@corp.example")
    effect: allow
  - id: external-mail
    when: action.tool == "send_email" && !action.args.to.endsWith("@corp.example")
    effect: ask
    reason: mail leaving the company needs a person
  - id: no-delete
    when: action.tool == "delete_file"
    effect: deny
    reason: deleting files is not allowed
  - id: no-wipe
    when: action.tool == "wipe_disk"
    effect: kill
    reason: wiping a disk ends the session
flows:
  sources:
    - when: action.tool == "read_customers"
      labels: [pii]
  sinks:
    - id: no-pii-mail
      when: action.tool == "send_email"
      forbid: [pii]
      effect: deny
      reason: customer data may not be mailed
`;

/** What customer records look like to the tests. */
export const CUSTOMERS = "Customer alice@example.com, account cust8812734, plan gold";
