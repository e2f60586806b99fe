// prepareRequest prepares the common calls without constructing a Request. Whatever it prepares must be
// what the Request constructor would have made of the same call, and whatever the constructor refuses it
// must refuse with the constructor's own error: each case is run both ways and compared.
import { afterEach, describe, expect, it } from "vitest";
import { absoluteUrl, prepareRequest, readBounded } from "./request.js";

const MAX = 64;

/** The request as the constructor makes it: what prepareRequest did for every call before. */
/** A Headers object's pairs, in order (the tests' type setup has no DOM iterables, so `forEach`). */
function entriesOf(headers: Headers): [string, string][] {
  const out: [string, string][] = [];
  headers.forEach((value, name) => out.push([name, value]));
  return out;
}

async function viaConstructor(input: string | URL, init: RequestInit | undefined, max: number) {
  const request = new Request(absoluteUrl(input), init);
  const body = request.body ? await readBounded(request.body, max) : undefined;
  return { method: request.method, url: request.url, headers: entriesOf(request.headers), body, redirect: request.redirect };
}

async function outcome<T>(p: () => Promise<T>): Promise<{ ok: T } | { error: string }> {
  try {
    return { ok: await p() };
  } catch (e) {
    return { error: `${(e as Error).constructor.name}: ${(e as Error).message}` };
  }
}

/** Counts Request constructions, to tell which path a call took. */
let constructed = 0;
const RealRequest = globalThis.Request;
function countRequests() {
  constructed = 0;
  globalThis.Request = new Proxy(RealRequest, {
    construct(target, args, newTarget) {
      constructed++;
      return Reflect.construct(target, args, newTarget) as object;
    },
  });
}
afterEach(() => {
  globalThis.Request = RealRequest;
});

const URLS: (string | URL)[] = [
  "https://api.example/a?b=1#frag",
  "HTTPS://API.EXAMPLE:443/%7efoo/../bar?q=a b",
  "http://[::1]:8080/x",
  "https://bücher.example/ä?ö=1",
  new URL("https://x.example/p?q=1"),
  "http://user:pw@x.example/",
  "/relative",
  "not a url",
];

const withHidden = Object.defineProperty({ method: "POST" }, "body", { value: "hidden", enumerable: false });
const INITS: [string, RequestInit | undefined][] = [
  ["none", undefined],
  ["empty", {}],
  ["post, lower case", { method: "post", body: "x" }],
  ["get, mixed case", { method: "Get" }],
  ["patch, lower case (kept as given)", { method: "patch", body: "x" }],
  ["PATCH", { method: "PATCH", body: "x" }],
  ["CONNECT (forbidden)", { method: "CONNECT" }],
  ["a method that is not a token", { method: "bad method" }],
  ["an extension method", { method: "PROPFIND" }],
  ["headers, record", { headers: { "x-a": "1", "Content-Type": "application/json" }, method: "POST", body: "{}" }],
  ["headers, pairs", { headers: [["x-a", "1"], ["x-a", "2"]] }],
  ["headers, Headers", { headers: new Headers({ authorization: "Bearer t" }) }],
  ["headers, invalid name", { headers: { "bad name": "x" } }],
  ["headers, null", { headers: null as unknown as HeadersInit }],
  ["empty body", { method: "POST", body: "" }],
  ["body with a lone surrogate", { method: "PUT", body: "a\ud800b é" }],
  ["body on GET", { body: "x" }],
  ["body on HEAD", { method: "HEAD", body: "" }],
  ["null body", { body: null }],
  ["redirect manual", { redirect: "manual" }],
  ["redirect not a mode", { redirect: "bogus" as RequestRedirect }],
  ["aborted signal", { signal: AbortSignal.abort() }],
  ["null signal", { signal: null }],
  ["a signal that is not one", { signal: {} as AbortSignal }],
  ["URLSearchParams body", { method: "POST", body: new URLSearchParams("a=1") }],
  ["Uint8Array body", { method: "POST", body: new Uint8Array([1, 2, 3]) }],
  ["cache", { cache: "no-store" }],
  ["no-cors with PUT", { mode: "no-cors", method: "PUT" }],
  ["inherited fields", Object.create({ method: "POST", body: "inherited" }) as RequestInit],
  ["non-enumerable body", withHidden],
];

describe("prepareRequest", () => {
  for (const [name, init] of INITS) {
    it(`prepares as the Request constructor does: ${name}`, async () => {
      for (const input of URLS) {
        const expected = await outcome(() => viaConstructor(input, init, MAX));
        const got = await outcome(async () => {
          const p = await prepareRequest(input, init, MAX);
          return { method: p.method, url: p.url, headers: entriesOf(p.headers), body: p.body, redirect: p.redirect };
        });
        expect(got, `${String(input)}`).toEqual(expected);
      }
    });
  }

  it("prepares the common calls without constructing a Request", async () => {
    countRequests();
    await prepareRequest("https://api.example/a", undefined, MAX);
    await prepareRequest(new URL("https://api.example/a"), { method: "POST", body: "{}", headers: { "content-type": "application/json" } }, MAX);
    await prepareRequest("https://api.example/a", { method: "DELETE", signal: AbortSignal.timeout(1_000), redirect: "error" }, MAX);
    expect(constructed).toBe(0);
    // Anything else still goes through the constructor.
    await prepareRequest("https://api.example/a", { method: "POST", body: new Uint8Array([1]) }, MAX);
    await prepareRequest("https://api.example/a", { cache: "no-store" }, MAX);
    expect(constructed).toBe(2);
  });

  it("passes the other init fields on, and the caller's init is not changed", async () => {
    const signal = AbortSignal.timeout(1_000);
    const init: RequestInit = { method: "POST", body: "x", headers: { "x-a": "1" }, signal, redirect: "manual" };
    const p = await prepareRequest("https://api.example/a", init, MAX);
    expect(p.init).toEqual({ signal });
    expect(p.redirect).toBe("manual");
    expect(init).toEqual({ method: "POST", body: "x", headers: { "x-a": "1" }, signal, redirect: "manual" });
  });

  describe("bounds a string body by its UTF-8 bytes", () => {
    const tooLarge = { error: `UnpreparableRequest: the request body is longer than ${MAX} bytes, the most the guard reads` };
    it("exactly the bound: prepared", async () => {
      const p = await prepareRequest("https://api.example/", { method: "POST", body: "a".repeat(MAX) }, MAX);
      expect(p.body?.byteLength).toBe(MAX);
    });
    it("one byte over: body_too_large, as through the constructor", async () => {
      const init = { method: "POST", body: "a".repeat(MAX + 1) };
      expect(await outcome(() => prepareRequest("https://api.example/", init, MAX))).toEqual(tooLarge);
      expect(await outcome(() => viaConstructor("https://api.example/", init, MAX))).toEqual(tooLarge);
    });
    it("fewer characters than the bound but more bytes: body_too_large", async () => {
      const init = { method: "POST", body: "é".repeat(MAX / 2 + 1) };
      expect(await outcome(() => prepareRequest("https://api.example/", init, MAX))).toEqual(tooLarge);
      expect(await outcome(() => viaConstructor("https://api.example/", init, MAX))).toEqual(tooLarge);
    });
    it("a huge string is refused without being encoded", async () => {
      const huge = "a".repeat(8 * 1024 * 1024);
      const encode = TextEncoder.prototype.encode;
      let encoded = 0;
      TextEncoder.prototype.encode = function (this: TextEncoder, s?: string) {
        encoded++;
        return encode.call(this, s);
      };
      try {
        expect(await outcome(() => prepareRequest("https://api.example/", { method: "POST", body: huge }, MAX))).toEqual(tooLarge);
      } finally {
        TextEncoder.prototype.encode = encode;
      }
      expect(encoded).toBe(0);
    });
  });
});
