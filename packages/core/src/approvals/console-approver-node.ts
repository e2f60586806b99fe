// Node only: imports node:readline. Nothing else in approvals/ may import this file, so the browser
// entry of core stays free of node:* modules; only the Node entry (index.node.ts) may re-export it.
import { createInterface } from "node:readline";
import { isPlainObject } from "./frozen-copy.js";
import { escapeUnsafe, quote } from "./text.js";
import type { ApprovalAnswer, ApprovalRequest, Approver } from "./types.js";

/**
 * Options of {@link consoleApprover}.
 *
 * @example
 * const options: ConsoleApproverOptions = { input: process.stdin, output: process.stderr };
 */
export interface ConsoleApproverOptions {
  /** Where answers are read, a line at a time (default `process.stdin`). */
  input?: NodeJS.ReadableStream;
  /** Where the summary and prompts go (default `process.stderr`, which keeps them out of piped stdout). */
  output?: NodeJS.WritableStream;
}

const BY = "console";

// The action fields a person needs to judge it, in the order they are shown; `args` follows as JSON.
const SHOWN = ["kind", "tool", "target", "method", "url", "command", "file", "statement"] as const;

/**
 * An {@link Approver} that asks a person at a terminal: it prints a summary of the request (session,
 * agent, rule, reason, the action's fields and arguments as JSON, expiry) and reads `y` (approve), `n`
 * (deny) or `e` (approve with edited arguments, typed next as one line of JSON). End of input, anything
 * else typed, and edited arguments that are not a JSON object deny. Requests are asked one at a time;
 * one that times out or is revoked while waiting stops being asked. Every control character in what is
 * shown is escaped, so an action cannot rewrite the terminal to disguise itself.
 *
 * @example
 * import { consoleApprover } from "@trailguard/core"; // Node entry
 * const desk = createApprovalDesk({ approver: consoleApprover(), timeoutMs: 120_000 });
 */
export function consoleApprover(options: ConsoleApproverOptions = {}): Approver {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stderr;
  // Two prompts reading the same input at once would each take the other's answers.
  let queue: Promise<unknown> = Promise.resolve();
  return (request, { signal }) => {
    const turn = queue.then(() => ask(request, signal, input, output));
    queue = turn.catch(() => undefined);
    return turn;
  };
}

async function ask(
  request: ApprovalRequest,
  signal: AbortSignal,
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): Promise<ApprovalAnswer> {
  if (signal.aborted) return deny("the request was settled before it was shown");
  if ((input as { readableEnded?: boolean }).readableEnded === true) return deny("no answer: the input has ended");
  output.write(summarise(request));
  const lines = readLines(input, output, signal);
  try {
    const first = await lines.next("approve? [y]es, [n]o, [e]dit args: ");
    if (first === undefined) return deny(signal.aborted ? "the request was settled while waiting" : "no answer: the input has ended");
    const word = first.trim().toLowerCase();
    if (word === "y" || word === "yes") return { approved: true, by: BY };
    if (word === "n" || word === "no") return { approved: false, by: BY };
    if (word !== "e" && word !== "edit") return deny(`unrecognised answer ${quote(first)}`);
    const line = await lines.next("args, as one line of json: ");
    if (line === undefined) return deny("no arguments: the input has ended");
    let args: unknown;
    try {
      args = JSON.parse(line);
    } catch {
      return deny("the edited arguments are not json");
    }
    if (!isPlainObject(args)) return deny("the edited arguments are not a json object");
    return { approved: true, args, by: BY, note: "arguments edited at the console" };
  } finally {
    lines.close();
  }
}

function deny(note: string): ApprovalAnswer {
  return { approved: false, by: BY, note };
}

/**
 * The text shown before the prompt. Nothing is cut: a person approving an action must see all of it,
 * or a long argument could hide its dangerous part past the cut.
 *
 * @example
 * process.stderr.write(summarise(request));
 */
export function summarise(request: ApprovalRequest): string {
  const rows: [string, string][] = [["session", request.session]];
  if (request.agent !== undefined) rows.push(["agent", request.agent]);
  if (request.rule !== undefined) rows.push(["rule", request.rule]);
  if (request.reason !== undefined) rows.push(["reason", request.reason]);
  for (const name of SHOWN) {
    const value = request.action[name];
    if (typeof value === "string") rows.push([name, value]);
  }
  if (request.action.args !== undefined) rows.push(["args", JSON.stringify(request.action.args)]);
  rows.push(["expires", expiry(request)]);
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const body = rows.map(([label, value]) => `  ${label.padEnd(width)}${escapeUnsafe(value)}\n`).join("");
  return `\ntrailguard: approval requested (${escapeUnsafe(request.id)})\n${body}`;
}

function expiry(request: ApprovalRequest): string {
  const seconds = Math.round((request.expiresAt - request.createdAt) / 1000);
  try {
    return `${new Date(request.expiresAt).toISOString()} (${seconds} s to answer)`;
  } catch {
    // toISOString throws for instants outside the Date range
    return `${request.expiresAt} ms (${seconds} s to answer)`;
  }
}

interface Lines {
  /** Writes `prompt` and resolves with the next line, or undefined at end of input or abort. */
  next(prompt: string): Promise<string | undefined>;
  close(): void;
}

function readLines(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, signal: AbortSignal): Lines {
  // No `output` and no terminal mode: prompts are written here, and readline must not echo or edit.
  const rl = createInterface({ input, terminal: false });
  const buffered: string[] = [];
  let waiting: ((line: string | undefined) => void) | undefined;
  let closed = false;
  const take = (line: string | undefined): void => {
    const resolve = waiting;
    waiting = undefined;
    resolve?.(line);
  };
  rl.on("line", (line: string) => (waiting ? take(line) : buffered.push(line)));
  rl.on("close", () => {
    closed = true;
    take(undefined);
  });
  const onAbort = (): void => {
    if (!closed) output.write("\n(the request is no longer pending)\n");
    rl.close();
  };
  signal.addEventListener("abort", onAbort, { once: true });
  return {
    next(prompt) {
      if (buffered.length > 0) {
        output.write(prompt);
        return Promise.resolve(buffered.shift());
      }
      if (closed) return Promise.resolve(undefined);
      output.write(prompt);
      return new Promise((resolve) => (waiting = resolve));
    },
    close() {
      signal.removeEventListener("abort", onAbort);
      rl.close();
    },
  };
}
