// Offline KaibanJS for the tests: telemetry opted out before KaibanJS is imported (it reads the variable
// once, at import), scripted chat models from KaibanJS's own LangChain copy, and counting tools.

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

process.env["KAIBAN_TELEMETRY_OPT_OUT"] = "1";
const kaiban = await import("kaibanjs");
export const { Agent, Task, Team } = kaiban;

// KaibanJS 0.23 depends on @langchain/core 0.3 while the monorepo's LangChain adapter uses 1.x: load the
// fake model and the tool helper from the copy KaibanJS itself resolves.
const fromKaiban = createRequire(createRequire(import.meta.url).resolve("kaibanjs"));
const core = dirname(fromKaiban.resolve("@langchain/core/package.json"));
const testing = (await import(pathToFileURL(join(core, "utils/testing.js")).href)) as { FakeListChatModel: new (o: { responses: string[] }) => unknown };
const tools = (await import(pathToFileURL(join(core, "tools.js")).href)) as { tool: (f: (a: Record<string, unknown>) => Promise<string>, o: { name: string; description: string; schema: unknown }) => unknown };
const zod = (await import(pathToFileURL(fromKaiban.resolve("zod")).href)) as { z: { record: (k: unknown, v: unknown) => unknown; string: () => unknown; unknown: () => unknown } };

/** Every prompt text each scripted model was shown, by model. */
export const prompts = new WeakMap<object, string[]>();

/** A chat model that answers with the scripted KaibanJS ReAct steps, in order, and keeps what it was shown. */
export function scripted(...steps: object[]): unknown {
  const model = new testing.FakeListChatModel({ responses: steps.map((s) => JSON.stringify(s)) }) as unknown as { _generate: (m: { content: unknown }[], ...rest: unknown[]) => Promise<unknown> };
  const seen: string[] = [];
  prompts.set(model, seen);
  const generate = model._generate.bind(model);
  model._generate = (messages, ...rest) => {
    seen.push(...messages.map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content))));
    return generate(messages, ...rest);
  };
  return model;
}

/** A step that calls `action` with `actionInput`. */
export const call = (action: string, actionInput: Record<string, unknown>) => ({ thought: `use ${action}`, action, actionInput });
/** A step that finishes the task. */
export const finish = (finalAnswer: string) => ({ finalAnswer });

/** A LangChain tool (KaibanJS's copy) that records each call's arguments and answers with `output`. */
export function countingTool(name: string, output: (args: Record<string, unknown>) => string) {
  const calls: Record<string, unknown>[] = [];
  const t = tools.tool(async (args) => {
    calls.push(args);
    return output(args);
  }, { name, description: `the ${name} tool`, schema: zod.z.record(zod.z.string(), zod.z.unknown()) });
  return { tool: t, calls };
}
