// A scripted stand-in for the OpenAI HTTP API on 127.0.0.1, so the real `openai` client is tested
// offline: each route answers from its own queue, and every request is kept for assertions.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";

export type Reply = unknown | ((body: any) => unknown);

export interface FakeOpenAI {
  /** `http://127.0.0.1:PORT/v1`, for `new OpenAI({ baseURL })`. */
  baseURL: string;
  /** Every request, in order. */
  requests: { method: string; path: string; body: any }[];
  /** Queues replies for a route, e.g. `POST /chat/completions`, `GET /threads/t1/runs/r1`. */
  script(route: string, ...replies: Reply[]): void;
  /** A client pointed at this server. */
  client(): OpenAI;
  close(): Promise<void>;
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const queues = new Map<string, Reply[]>();
  const requests: FakeOpenAI["requests"] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const body = text ? JSON.parse(text) : undefined;
      const path = (req.url ?? "").replace(/^\/v1/, "").replace(/\?.*$/, "");
      requests.push({ method: req.method ?? "", path, body });
      const route = `${req.method} ${path}`;
      const queue = queues.get(route);
      const reply = queue?.shift();
      if (reply === undefined) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `nothing scripted for ${route}` } }));
        return;
      }
      const value = typeof reply === "function" ? (reply as (b: unknown) => unknown)(body) : reply;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const baseURL = `http://127.0.0.1:${port}/v1`;
  return {
    baseURL,
    requests,
    script(route, ...replies) {
      queues.set(route, [...(queues.get(route) ?? []), ...replies]);
    },
    client: () => new OpenAI({ apiKey: "test-key", baseURL, maxRetries: 0, timeout: 5_000 }),
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

export interface ScriptedCall {
  id: string;
  name: string;
  /** Arguments: an object (sent as JSON) or raw text (sent as is, e.g. broken JSON). */
  args: Record<string, unknown> | string;
}

const argText = (a: ScriptedCall["args"]) => (typeof a === "string" ? a : JSON.stringify(a));

/** A chat completion whose message asks for these tool calls. */
export function chatToolCalls(calls: ScriptedCall[]) {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1,
    model: "gpt-test",
    choices: [{
      index: 0,
      finish_reason: "tool_calls",
      logprobs: null,
      message: {
        role: "assistant",
        content: null,
        refusal: null,
        tool_calls: calls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: argText(c.args) } })),
      },
    }],
  };
}

/** A chat completion that answers with text. */
export function chatText(text: string) {
  return {
    id: "chatcmpl-2",
    object: "chat.completion",
    created: 1,
    model: "gpt-test",
    choices: [{ index: 0, finish_reason: "stop", logprobs: null, message: { role: "assistant", content: text, refusal: null } }],
  };
}

/** A Responses API response whose output asks for these function calls. */
export function responseFunctionCalls(calls: ScriptedCall[]) {
  return {
    id: "resp_1",
    object: "response",
    created_at: 1,
    model: "gpt-test",
    status: "completed",
    output: calls.map((c, i) => ({ type: "function_call", id: `fc_${i}`, call_id: c.id, name: c.name, arguments: argText(c.args), status: "completed" })),
    parallel_tool_calls: true,
    tool_choice: "auto",
    tools: [],
  };
}

/** An Assistants run waiting for these tool outputs. */
export function runRequiringAction(calls: ScriptedCall[], ids = { thread: "thread_1", run: "run_1" }) {
  return {
    id: ids.run,
    object: "thread.run",
    thread_id: ids.thread,
    assistant_id: "asst_1",
    status: "requires_action",
    required_action: {
      type: "submit_tool_outputs",
      submit_tool_outputs: { tool_calls: calls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: argText(c.args) } })) },
    },
  };
}

/** An Assistants run in another state. */
export function runIn(status: string, ids = { thread: "thread_1", run: "run_1" }) {
  return { id: ids.run, object: "thread.run", thread_id: ids.thread, assistant_id: "asst_1", status, required_action: null };
}

/** The test policy every OpenAI integration is tested against. */
export const POLICY = `
version: 1
name: openai-adapter-tests
default: deny
rules:
  - id: reads
    when: action.tool in ["search", "read_customers", "get_weather"]
    effect: allow
  - id: mail
    when: action.tool == "send_email"
    effect: allow
  - id: no-delete
    when: action.tool == "delete_records"
    effect: deny
    reason: deleting records is not allowed
  - id: wipe
    when: action.tool == "wipe_disk"
    effect: kill
  - id: refunds
    when: action.tool == "refund"
    effect: ask
  - id: handoffs
    when: action.kind == "delegate" && action.target == "billing"
    effect: allow
flows:
  sources:
    - when: action.tool == "read_customers"
      labels: [pii]
  sinks:
    - id: no-pii-egress
      when: action.tool == "send_email" && !action.args.to.endsWith("@corp.example")
      forbid: [pii]
      scope: value
      effect: deny
`;

/** Customer records: labelled `pii` once read through `read_customers`. */
export const CUSTOMERS = "Customer: Alice Smith <alice@example.com>, card ending 4242, plan gold";
