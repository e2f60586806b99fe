// Turns whatever was handed to fetch (a string, a URL, a Request, with or without init) into one
// absolute Request and the exact body bytes the guard decides on. The body is read once, bounded, and
// the same bytes are what is sent: a stream cannot say one thing to the guard and another to the server.

import { readAtMost } from "@trailguard/core";

// One encoder for every request: encoding keeps no state.
const UTF8 = new TextEncoder();

/** A request ready to be decided and sent. */
export interface PreparedRequest {
  method: string;
  url: string;
  headers: Headers;
  /** The body bytes, read in full (bounded); undefined for a request without a body. */
  body: Uint8Array | undefined;
  /** The init fields passed on to the inner fetch untouched (signal, credentials, cache, …). */
  init: RequestInit;
  /** The caller's redirect mode: `follow` (the default), `manual` or `error`. */
  redirect: RequestRedirect;
}

/** Why a request could not be prepared: becomes a deny with this code. */
export class UnpreparableRequest extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/**
 * The absolute URL of a fetch input: relative URLs resolve against `globalThis.location` when there is one
 * (a browser, a worker), and are refused otherwise, as Node's own fetch refuses them.
 *
 * @example
 * absoluteUrl("/api"); // throws UnpreparableRequest in Node; "https://app.example/api" in a page there
 */
export function absoluteUrl(input: string | URL): string {
  const text = String(input);
  const base = (globalThis as { location?: { href?: unknown } }).location?.href;
  try {
    return new URL(text, typeof base === "string" ? base : undefined).href;
  } catch {
    const why = typeof base === "string" ? "is not a valid url" : "is not an absolute url, and there is no `location` to resolve it against";
    throw new UnpreparableRequest("invalid_url", `the request url \`${text}\` ${why}`);
  }
}

/**
 * Prepares one fetch call. A `Request` input is read through a clone, so the caller's object stays
 * unused (`bodyUsed === false`) and can be read again. Bodies longer than `maxBodyBytes` are refused
 * (`body_too_large`) after reading at most that many bytes plus one chunk.
 *
 * @example
 * const p = await prepareRequest(new Request("https://api.example/", { method: "POST", body: "x" }), undefined, 1 << 20);
 * // p.method === "POST", new TextDecoder().decode(p.body) === "x"
 */
export async function prepareRequest(input: RequestInfo | URL, init: RequestInit | undefined, maxBodyBytes: number): Promise<PreparedRequest> {
  let request: Request;
  if (input instanceof Request) {
    // The clone is read; the caller's Request is never touched. `init` overrides it, as in fetch.
    request = init ? new Request(input.clone(), init) : input.clone();
  } else if (typeof input === "string" || input instanceof URL) {
    const plain = preparePlain(input, init, maxBodyBytes);
    if (plain) return plain;
    request = new Request(absoluteUrl(input), init);
  } else {
    // Objects with a `toString` (fetch accepts any stringifiable input).
    request = new Request(absoluteUrl(String(input)), init);
  }
  const body = request.body ? await readBounded(request.body, maxBodyBytes) : undefined;
  const passed = passedOn(init);
  if (init?.signal === undefined && input instanceof Request) passed.signal = input.signal;
  return { method: request.method, url: request.url, headers: new Headers(request.headers), body, init: passed, redirect: request.redirect };
}

/** The init fields the inner fetch gets as they are: all but those the prepared request carries. */
function passedOn(init: RequestInit | undefined): RequestInit {
  const { method: _m, headers: _h, body: _b, redirect: _r, ...rest } = init ?? {};
  return { ...rest };
}

// The common calls — a string or URL, with at most a method, headers, a string body, a redirect mode and
// an AbortSignal — are prepared without constructing a `Request`, which costs Node ~10 µs with no body
// and ~30 µs with one (its body becomes a stream that is then read back). Whatever this path does not
// handle exactly as the constructor would, it leaves to the constructor (undefined): other init fields,
// an init that is not a plain object, methods it does not know the normal form of, credentials in the
// URL, a body on GET or HEAD, headers the Headers constructor refuses. The constructor then throws its
// own error, or prepares the request.
const PLAIN_INIT = new Set(["method", "headers", "body", "redirect", "signal"]);
/**
 * Methods whose normal form this path knows: the six the Fetch standard upper-cases, written in upper or
 * lower case, and PATCH, which the standard keeps as written (so `patch` stays with the constructor).
 */
const METHODS = new Map(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"].flatMap((m) => [[m, m], [m.toLowerCase(), m]]));
METHODS.set("PATCH", "PATCH");
const REDIRECTS = new Set<unknown>(["follow", "manual", "error"]);
/** What the Request constructor adds for a string body when the caller set no content type. */
const TEXT_CONTENT_TYPE = "text/plain;charset=UTF-8";

function preparePlain(input: string | URL, init: RequestInit | undefined, maxBodyBytes: number): PreparedRequest | undefined {
  if (init !== undefined) {
    if (init === null || typeof init !== "object") return undefined;
    const proto = Object.getPrototypeOf(init) as unknown;
    if (proto !== Object.prototype && proto !== null) return undefined;
    // Own names, enumerable or not: the constructor reads every field it knows, however defined.
    for (const k of Object.getOwnPropertyNames(init)) if (!PLAIN_INIT.has(k)) return undefined;
  }
  const { method: m, headers: h, body: b, redirect: r, signal } = init ?? {};
  const method = m === undefined ? "GET" : typeof m === "string" ? METHODS.get(m) : undefined;
  if (method === undefined) return undefined;
  if (r !== undefined && !REDIRECTS.has(r)) return undefined;
  if (signal !== undefined && signal !== null && !(typeof AbortSignal === "function" && signal instanceof AbortSignal)) return undefined;
  if (b !== undefined && b !== null && (typeof b !== "string" || method === "GET" || method === "HEAD")) return undefined;
  let url: URL;
  let headers: Headers;
  try {
    const base = (globalThis as { location?: { href?: unknown } }).location?.href;
    url = new URL(String(input), typeof base === "string" ? base : undefined);
    headers = new Headers(h);
  } catch {
    return undefined;
  }
  if (url.username !== "" || url.password !== "") return undefined;
  let body: Uint8Array | undefined;
  if (typeof b === "string") {
    // UTF-8 takes at least one byte per UTF-16 unit: a string longer than the bound is over it unencoded.
    if (b.length > maxBodyBytes) throw tooLarge(maxBodyBytes);
    body = UTF8.encode(b);
    if (body.byteLength > maxBodyBytes) throw tooLarge(maxBodyBytes);
    if (!headers.has("content-type")) headers.append("content-type", TEXT_CONTENT_TYPE);
  }
  return { method, url: url.href, headers, body, init: passedOn(init), redirect: (r as RequestRedirect | undefined) ?? "follow" };
}

function tooLarge(max: number): UnpreparableRequest {
  return new UnpreparableRequest("body_too_large", `the request body is longer than ${max} bytes, the most the guard reads`);
}

/**
 * Reads a stream to its end, refusing it once it exceeds `max` bytes (the rest is cancelled, not read).
 *
 * @example
 * await readBounded(new Response("abc").body!, 2); // throws UnpreparableRequest (body_too_large)
 */
export async function readBounded(stream: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array> {
  const bytes = await readAtMost(stream, max);
  if (!bytes) throw tooLarge(max);
  return bytes;
}
