/**
 * URL canonicalisation: the agent's URL becomes the one form the policy engine matches on, so that no spelling of a
 * host, port or path (IP notations, IDN, encodings, dot segments, userinfo) can dodge a rule written for the plain one.
 */

import { percentDecodeFully } from "./percent.js";

/**
 * A URL in canonical form.
 *
 * @example
 * // http://u@0x7f.1:8080/a/%2e%2e/b?q#f →
 * // { ok: true, url: "http://127.0.0.1:8080/b?q", scheme: "http", host: "127.0.0.1", port: 8080,
 * //   path: "/b", query: "q" }
 */
export interface CanonicalUrl {
  ok: true;
  /** Canonical href: scheme, host, non-default port, WHATWG pathname and search; no userinfo, no fragment. */
  url: string;
  /** Lower-case scheme without `:`. */
  scheme: string;
  /** Lower-case host: punycode, dotted IPv4 (also for IPv4-mapped IPv6), IPv6 without brackets, no trailing dot. */
  host: string;
  /** Explicit port, else the scheme's default (0 when the scheme has none). */
  port: number;
  /** Path fully percent-decoded, then dot segments and repeated slashes resolved. */
  path: string;
  /** Query without the leading `?`, still encoded. */
  query: string;
}

/**
 * Input that could not be read as a URL.
 *
 * @example
 * // { ok: false, error: "invalid url `http://`" }
 */
export interface CanonicalError {
  ok: false;
  error: string;
}

// A Map, not an object literal: a scheme named `constructor` must not find Object.prototype's function.
const DEFAULT_PORTS: ReadonlyMap<string, number> = new Map([
  ["http", 80],
  ["https", 443],
  ["ws", 80],
  ["wss", 443],
  ["ftp", 21],
]);

const HOST_REQUIRED: ReadonlySet<string> = new Set(["http", "https", "ws", "wss"]);

// WHATWG "special" schemes: their hosts go through IPv4/IDNA parsing and servers for them treat `\` like `/`.
const SPECIAL: ReadonlySet<string> = new Set(["http", "https", "ws", "wss", "ftp", "file"]);

// A `/` followed by an empty, `.` or `..` segment (or by the end: a trailing slash).
const SEGMENT_WORK = /\/(?:\.\.?)?(?:\/|$)/;

const MAPPED_IPV4 = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/** Quotes user input for an error message: bounded length, no control characters that could forge log lines. */
function quote(raw: string): string {
  const cut = raw.length > 200 ? `${raw.slice(0, 200)}…` : raw;
  return `\`${cut.replace(/[\u0000-\u001f\u007f]/g, "?")}\``;
}

function fail(error: string): CanonicalError {
  return { ok: false, error };
}

/** `::ffff:7f00:1` → `127.0.0.1`; anything else unchanged. WHATWG always serialises mapped addresses this way. */
function unmapIpv6(host: string): string {
  const m = MAPPED_IPV4.exec(host);
  if (!m) return host;
  const hi = parseInt(m[1] ?? "0", 16);
  const lo = parseInt(m[2] ?? "0", 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/**
 * Strips trailing dots (`example.com.` resolves like `example.com`). WHATWG only drops one dot before trying IPv4, so
 * `0x7f.1..` stays a "domain"; parsing the stripped name again gives it the IPv4 treatment it gets from resolvers.
 */
function stripTrailingDots(host: string, special: boolean): string {
  let end = host.length;
  while (end > 0 && host.charCodeAt(end - 1) === 46) end--;
  if (end === host.length) return host;
  const stripped = host.slice(0, end);
  if (!special || stripped === "") return stripped;
  try {
    return new URL(`http://${stripped}/`).hostname;
  } catch {
    return stripped;
  }
}

/**
 * The full canonicalisation, without the fast path. Exported for the test that proves the two agree;
 * callers use {@link canonicaliseUrl}.
 *
 * @example
 * canonicaliseUrlFully("https://a.example/x") // same as canonicaliseUrl
 */
export function canonicaliseUrlFully(raw: string, base?: string): CanonicalUrl | CanonicalError {
  return parseFully(raw, base);
}

/** Resolves `.`/`..` segments (never above `/`) and repeated slashes; a trailing slash is kept as servers see it. */
function resolveSegments(path: string): string {
  // Opaque paths (`mailto:a@b`) have no hierarchy to resolve; and without an empty, `.` or `..` segment
  // there is nothing to resolve either: the common case skips the split and join.
  if (!path.startsWith("/") || !SEGMENT_WORK.test(path)) return path;
  const segments = path.split("/");
  const out: string[] = [];
  let trailingSlash = false;
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i] ?? "";
    trailingSlash = true;
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      out.pop();
      continue;
    }
    out.push(segment);
    trailingSlash = false;
  }
  if (out.length === 0) return "/";
  return `/${out.join("/")}${trailingSlash ? "/" : ""}`;
}

/**
 * Canonicalises a URL the way the policy engine needs it. Never throws: unreadable input (including a URL of an
 * http-like scheme without a host) gives `{ ok: false, error }`.
 *
 * The path is decoded until stable (`%252e` counts as `.`) and decoded backslashes count as slashes for special
 * schemes, because some servers and proxies decode twice or accept `\`: reading the path the most dangerous way keeps
 * `/public/..%255cadmin` from slipping past a rule on `/admin`.
 *
 * @example
 * canonicaliseUrl("HTTP://trusted.example@0x7f.0.0.1:80/a/..%2F..%2Fetc/passwd#x");
 * // { ok: true, url: "http://127.0.0.1/a/..%2F..%2Fetc/passwd", scheme: "http", host: "127.0.0.1", port: 80,
 * //   path: "/etc/passwd", query: "" }
 */
export function canonicaliseUrl(raw: string, base?: string): CanonicalUrl | CanonicalError {
  return (base === undefined ? plainUrl(raw) : undefined) ?? parseFully(raw, base);
}

// An http(s) URL already in canonical form: lower-case scheme and DNS host whose last label has a
// letter and is not hex (so no IPv4 reading, no IDNA), an optional port, a path and query of characters
// WHATWG leaves as they are, with no `%`, `\\`, empty, `.` or `..` segments, and no fragment. Its canonical
// fields are its own text, so `new URL` is skipped; http.test.ts proves both paths agree on generated URLs.
// A hand-written scan (one pass, slices only) rather than a regular expression with captures: this runs on
// every HTTP action, and the scan costs a fraction of the match.
const HOST_CHAR = 1; // a-z 0-9 - .
const SEGMENT_FIRST = 2; // A-Z a-z 0-9 _ ~ ! $ & ( ) * + , ; = : @ -
const SEGMENT_CHAR = 4; // those and `.`
const QUERY_CHAR = 8; // segment characters and `/` `?`
const URL_CLASS = (() => {
  const t = new Uint8Array(128);
  const mark = (chars: string, bit: number) => {
    for (const c of chars) t[c.charCodeAt(0)]! |= bit;
  };
  const lower = "abcdefghijklmnopqrstuvwxyz";
  const alnum = `${lower}${lower.toUpperCase()}0123456789`;
  mark(`${lower}0123456789-.`, HOST_CHAR);
  mark(`${alnum}_~!$&()*+,;=:@-`, SEGMENT_FIRST | SEGMENT_CHAR | QUERY_CHAR);
  mark(".", SEGMENT_CHAR | QUERY_CHAR);
  mark("/?", QUERY_CHAR);
  return t;
})();

const is = (c: number, bit: number): boolean => c < 128 && (URL_CLASS[c]! & bit) !== 0;

/**
 * The fast path alone: the canonical fields of a URL already in canonical form, or undefined. Exported for
 * the test that proves it agrees with the full path; callers use {@link canonicaliseUrl}.
 *
 * @example
 * plainUrl("https://a.example/x") // { ok: true, host: "a.example", … }
 */
export function plainUrl(raw: unknown): CanonicalUrl | undefined {
  if (typeof raw !== "string" || raw.length > 2048) return undefined;
  let scheme: string;
  let i: number;
  if (raw.startsWith("https://")) {
    scheme = "https";
    i = 8;
  } else if (raw.startsWith("http://")) {
    scheme = "http";
    i = 7;
  } else return undefined;
  const n = raw.length;

  // Host: labels of [a-z0-9-], none empty, none starting or ending with `-`; the last has a letter and is
  // not `0x` and hex digits (WHATWG reads `0x7f000001` as an IPv4 number).
  const hostStart = i;
  let labelStart = i;
  let letter = false;
  for (; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (!is(c, HOST_CHAR)) break;
    if (c === 46) {
      if (i === labelStart || raw.charCodeAt(i - 1) === 45) return undefined;
      labelStart = i + 1;
      letter = false;
    } else {
      if (c === 45 && i === labelStart) return undefined;
      if (c >= 97 && c <= 122) letter = true;
    }
  }
  if (i === labelStart || raw.charCodeAt(i - 1) === 45 || !letter) return undefined;
  if (raw.charCodeAt(labelStart) === 48 && raw.charCodeAt(labelStart + 1) === 120 && isHex(raw, labelStart + 2, i)) return undefined;
  const host = raw.slice(hostStart, i);

  // Port: 1 to 5 digits, no leading zero, at most 65535.
  const defaultPort = scheme === "https" ? 443 : 80;
  let explicit = -1;
  if (raw.charCodeAt(i) === 58) {
    const portStart = ++i;
    let value = 0;
    for (; i < n; i++) {
      const c = raw.charCodeAt(i);
      if (c < 48 || c > 57) break;
      value = value * 10 + (c - 48);
    }
    const digits = i - portStart;
    if (digits < 1 || digits > 5 || raw.charCodeAt(portStart) === 48 || value > 65535) return undefined;
    explicit = value;
  }

  // Path: segments that start with a character other than `.` (so no empty, `.` or `..` segment), and an
  // optional trailing slash.
  const pathStart = i;
  while (i < n && raw.charCodeAt(i) === 47) {
    i++;
    if (i === n || raw.charCodeAt(i) === 63) break;
    if (!is(raw.charCodeAt(i), SEGMENT_FIRST)) return undefined;
    for (i++; i < n; i++) {
      const c = raw.charCodeAt(i);
      if (c === 47 || c === 63) break;
      if (!is(c, SEGMENT_CHAR)) return undefined;
    }
  }
  const pathEnd = i;

  // Query: everything after `?`, of query characters only (a `#` fragment is not plain).
  let query = "";
  if (i < n) {
    if (raw.charCodeAt(i) !== 63) return undefined;
    for (let j = i + 1; j < n; j++) if (!is(raw.charCodeAt(j), QUERY_CHAR)) return undefined;
    query = raw.slice(i + 1);
  }

  const path = pathEnd === pathStart ? "/" : raw.slice(pathStart, pathEnd);
  const port = explicit >= 0 ? explicit : defaultPort;
  // The raw text is the canonical URL unless it spells the default port, omits the path, or ends in a
  // bare `?`: then the canonical form is built.
  const canonical = (explicit < 0 || explicit !== defaultPort) && pathEnd > pathStart && (i === n || query !== "");
  const url = canonical
    ? raw
    : `${scheme}://${host}${explicit >= 0 && explicit !== defaultPort ? `:${explicit}` : ""}${path}${query !== "" ? `?${query}` : ""}`;
  return { ok: true, url, scheme, host, port, path, query };
}

function isHex(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** WHATWG's forbidden domain code points (URL Standard, "host parsing"), `%` included. */
const FORBIDDEN_DOMAIN_CHAR = /[\u0000-\u0020#%/:<>?@[\\\]^|\u007f]/;

function parseFully(raw: string, base?: string): CanonicalUrl | CanonicalError {
  if (typeof raw !== "string") return fail("url must be a string");
  if (base !== undefined && typeof base !== "string") return fail("base url must be a string");
  let parsed: URL;
  try {
    parsed = base === undefined ? new URL(raw) : new URL(raw, base);
  } catch {
    const against = base === undefined ? "" : ` against base ${quote(base)}`;
    return fail(`invalid url ${quote(raw)}${against}`);
  }

  const scheme = parsed.protocol.slice(0, -1).toLowerCase();
  const special = SPECIAL.has(scheme);

  let host = parsed.hostname.toLowerCase();
  // WHATWG refuses these in a special URL's domain, but Chromium's `URL` lets some through, escaped
  // (`http://exa mple.com/` → host `exa%20mple.com`): refuse them here, so that Node and browsers agree.
  if (special && !host.startsWith("[") && FORBIDDEN_DOMAIN_CHAR.test(host)) return fail(`invalid url ${quote(raw)}`);
  if (host.startsWith("[") && host.endsWith("]")) host = unmapIpv6(host.slice(1, -1));
  else host = stripTrailingDots(host, special);
  if (host === "" && HOST_REQUIRED.has(scheme)) return fail(`url ${quote(raw)} has no host`);

  const port = parsed.port !== "" ? Number(parsed.port) : (DEFAULT_PORTS.get(scheme) ?? 0);

  let decoded = percentDecodeFully(parsed.pathname);
  if (special) decoded = decoded.replace(/\\/g, "/");
  const path = resolveSegments(decoded);

  const query = parsed.search.startsWith("?") ? parsed.search.slice(1) : parsed.search;

  // Whether the URL has an authority at all (`file:///x` does, `mailto:x` does not) is visible only in the href.
  const hasAuthority = parsed.href.startsWith(`${parsed.protocol}//`);
  const hostInUrl = host.includes(":") ? `[${host}]` : host;
  const authority = hasAuthority ? `//${hostInUrl}${parsed.port !== "" ? `:${parsed.port}` : ""}` : "";
  const url = `${scheme}:${authority}${parsed.pathname}${parsed.search}`;

  return { ok: true, url, scheme, host, port, path, query };
}
