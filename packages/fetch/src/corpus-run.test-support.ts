// One corpus case driven exactly as `runCase` (@trailguard/core/testing) drives it — load the policy, a
// fresh guard, `replayTrace` (time from 0, moved by `clock` events; results, instructions and plans fed to
// the guard; `check`, so `ask` stays `ask`) — but through whichever API it is handed, so that Node's core
// and the browser bundle in Chromium run the very same code. Its source is sent to the page as text: it
// must use nothing but its arguments.

/** What one case produced, as plain JSON, for comparing Node's run with the browser's. */
export interface CaseOutcome {
  name: string;
  /** Load problems (code, line, column, message), when the policy was refused. */
  errors?: { code: string; line: number | null; column: number | null; message: string }[];
  /** Every field of every action's decision, in order. */
  decisions?: unknown[];
  /** What `recordResult` returned for each result event, in order. */
  results?: unknown[];
}

/** The part of core's API the runner uses (both entry points have it). */
export interface CorpusApi {
  loadPolicy: (policy: string | object) => { policy?: unknown; errors: { code: string; line?: number; column?: number; message: string }[] };
  createGuard: (options: { policy: unknown }) => Promise<unknown>;
  replayTrace: (guard: never, events: readonly unknown[], decide: undefined, onResult: (index: number, recorded: unknown) => void) => Promise<{ decision: unknown }[]>;
}

/**
 * Runs one case (`{ name, policy, events }`) through `api` and returns its outcome as JSON-ready data.
 *
 * @example
 * const outcome = await runCorpusCase(core, c);
 */
export async function runCorpusCase(api: CorpusApi, c: { name: string; policy: string | object; events: readonly unknown[] }): Promise<CaseOutcome> {
  const loaded = api.loadPolicy(c.policy);
  if (!loaded.policy) {
    return { name: c.name, errors: loaded.errors.map((e) => ({ code: e.code, line: e.line ?? null, column: e.column ?? null, message: e.message })) };
  }
  const guard = await api.createGuard({ policy: loaded.policy });
  const results: unknown[] = [];
  const replayed = await api.replayTrace(guard as never, c.events, undefined, (_index, recorded) => results.push(recorded));
  // A JSON round trip: what crosses from the page is JSON, so Node's side is compared in the same form.
  return JSON.parse(JSON.stringify({ name: c.name, decisions: replayed.map((r) => r.decision), results })) as CaseOutcome;
}
