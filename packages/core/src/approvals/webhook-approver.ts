import { ApprovalError } from "../errors.js";
import { messageOf, quote } from "./text.js";
import type { ApprovalAnswer, Approver } from "./types.js";
import { readAtMost } from "../io/read-at-most.js";

/**
 * Options of {@link webhookApprover}.
 *
 * @example
 * const options: WebhookApproverOptions = { url: "https://approvals.example/hook", headers: { authorization: "Bearer …" } };
 */
export interface WebhookApproverOptions {
  /** An `http:` or `https:` URL, without credentials (send those in `headers`). */
  url: string | URL;
  /** Sent with every request; `content-type` and `accept` are always `application/json`. */
  headers?: Record<string, string>;
  /**
   * The webhook's own bound in milliseconds. Default: none, so the desk's `timeoutMs` bounds it — a
   * webhook that waits for a person to click must not be cut shorter than the desk would wait.
   */
  timeoutMs?: number;
  /**
   * The `fetch` to call (default: the global one, read when the approver is created). Pass the
   * original `fetch` when a fetch interceptor is installed, so the approval call is not itself guarded.
   */
  fetch?: typeof fetch;
}

// An answer is a few fields, but modified arguments may carry a file's content; a body beyond a
// mebibyte is not an answer, and reading it whole would let a broken endpoint exhaust memory.
const MAX_BODY_BYTES = 1_048_576;

// setTimeout's largest delay (2^31 - 1 ms); a larger one fires at once.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * An {@link Approver} that POSTs each request as JSON (`content-type: application/json`) to `url` and
 * takes the JSON body of the response as the answer (the desk checks its shape). It throws — which the
 * desk turns into `denied` — on a network error, a response that is not 2xx, a redirect, a body that is
 * not JSON or exceeds 1 MiB, and when its own `timeoutMs` passes; the desk's signal aborts the request
 * when the desk gives up (`approval_timeout`) or the request is revoked. Throws {@link ApprovalError}
 * `invalid_approver` for options it cannot use. Authenticate the endpoint: see docs/approvals.md.
 *
 * @example
 * const approver = webhookApprover({
 *   url: "https://approvals.example/trailguard",
 *   headers: { authorization: `Bearer ${process.env.APPROVALS_TOKEN}` },
 * });
 * const desk = createApprovalDesk({ approver, timeoutMs: 300_000 });
 */
export function webhookApprover(options: WebhookApproverOptions): Approver {
  if (typeof options !== "object" || options === null) throw invalid("`webhookApprover` needs options with a `url`");
  const { url, headers, timeoutMs } = options;
  const target = parseUrl(url);
  const base = new Headers();
  try {
    new Headers(headers).forEach((value, name) => base.set(name, value));
  } catch (e) {
    throw invalid(`invalid webhook headers: ${quote(messageOf(e))}`, e);
  }
  base.set("content-type", "application/json");
  base.set("accept", "application/json");
  const usable = typeof timeoutMs === "number" && Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS;
  if (timeoutMs !== undefined && !usable) {
    throw invalid(`the webhook's \`timeoutMs\` must be a positive number of milliseconds up to ${MAX_TIMER_MS}`);
  }
  const send = options.fetch ?? globalThis.fetch;
  if (typeof send !== "function") throw invalid("no `fetch` is available; pass one in the webhook's options");

  return async (request, { signal }) => {
    const controller = new AbortController();
    let timedOut = false;
    const onAbort = (): void => controller.abort(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            controller.abort(new DOMException("the webhook timed out", "TimeoutError"));
          }, timeoutMs);
    const failure = (e: unknown, what: string): Error => {
      if (timedOut) return new Error(`the webhook did not answer within ${timeoutMs} ms`, { cause: e });
      if (signal.aborted) return new Error(`the webhook request was aborted: ${messageOf(signal.reason)}`, { cause: e });
      return new Error(`${what}: ${describeFetchError(e)}`, { cause: e });
    };
    try {
      let response: Response;
      try {
        response = await send(target, {
          method: "POST",
          headers: new Headers(base),
          body: JSON.stringify(request),
          signal: controller.signal,
          // An approval endpoint has no reason to redirect, and following one would hand the request
          // (and, same-origin, its credentials) to wherever the redirect points.
          redirect: "error",
        });
      } catch (e) {
        throw failure(e, "the webhook request failed");
      }
      if (!response.ok) {
        response.body?.cancel().catch(() => undefined);
        throw new Error(`the webhook answered http ${response.status}`);
      }
      let text: string;
      try {
        text = await readBody(response);
      } catch (e) {
        throw e instanceof BodyTooLarge ? e : failure(e, "the webhook's answer could not be read");
      }
      try {
        return JSON.parse(text) as ApprovalAnswer;
      } catch {
        throw new Error("the webhook's answer is not json");
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    }
  };
}

class BodyTooLarge extends Error {}

async function readBody(response: Response): Promise<string> {
  if (!response.body) return "";
  const bytes = await readAtMost(response.body, MAX_BODY_BYTES);
  if (!bytes) throw new BodyTooLarge(`the webhook's answer exceeds ${MAX_BODY_BYTES} bytes`);
  // Not fatal on bad UTF-8: the replacement characters then fail JSON.parse or the desk's shape check.
  return new TextDecoder().decode(bytes);
}

function parseUrl(url: unknown): string {
  if (typeof url !== "string" && !(url instanceof URL)) throw invalid("the webhook's `url` must be a string or a URL");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (e) {
    throw invalid(`invalid webhook url ${quote(String(url))}`, e);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw invalid(`the webhook url ${quote(parsed.href)} must use http or https`);
  }
  if (parsed.username !== "" || parsed.password !== "") {
    // fetch refuses such URLs at every call; refusing here reports it once, at configuration.
    throw invalid("the webhook url must not carry credentials; send them in `headers`");
  }
  return parsed.href;
}

// Node's fetch reports every network failure as `fetch failed` and puts the useful part (ECONNREFUSED
// and the address) in `cause`.
function describeFetchError(e: unknown): string {
  const message = messageOf(e);
  try {
    const cause = (e as { cause?: unknown } | null)?.cause;
    if (cause !== undefined) return `${message} (${messageOf(cause)})`;
  } catch {
    // an unreadable cause adds nothing
  }
  return message;
}

function invalid(message: string, cause?: unknown): ApprovalError {
  return new ApprovalError("invalid_approver", message, cause === undefined ? undefined : { cause });
}
