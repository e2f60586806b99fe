// Redirects are followed here, not by the inner fetch (it is called with `redirect: "manual"`), so that
// every hop is decided before it is requested. The rules are the Fetch standard's "HTTP-redirect fetch".

import type { PreparedRequest } from "./request.js";
import { UnpreparableRequest } from "./request.js";

/** Most hops followed, as in the Fetch standard. */
export const MAX_REDIRECTS = 20;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that describe the body; dropped when a redirect turns the request into a GET without one. */
const BODY_HEADERS = ["content-type", "content-length", "content-encoding", "content-language", "content-location"];

/**
 * Whether a response is a redirect this package follows: a redirect status with a `Location`.
 *
 * @example
 * isRedirect(new Response(null, { status: 302, headers: { location: "/next" } })); // true
 */
export function isRedirect(response: Response): boolean {
  return REDIRECT_STATUSES.has(response.status) && response.headers.has("location");
}

/**
 * The request of the next hop: the `Location` resolved against the current URL; 303, and 301/302 after
 * a POST, become a GET without a body; 307 and 308 keep the method and body. The `Authorization` header is
 * dropped when the origin changes. Throws {@link UnpreparableRequest} for a `Location` that is not an
 * http(s) URL.
 *
 * @example
 * nextHop(prepared, new Response(null, { status: 303, headers: { location: "/done" } }));
 * // { ...prepared, method: "GET", url: "https://api.example/done", body: undefined }
 */
export function nextHop(current: PreparedRequest, response: Response): PreparedRequest {
  const location = response.headers.get("location")!;
  let url: URL;
  try {
    url = new URL(location, current.url);
  } catch {
    throw new UnpreparableRequest("invalid_redirect", `the redirect location \`${location}\` is not a valid url`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UnpreparableRequest("invalid_redirect", `the redirect location \`${location}\` is not an http(s) url`);
  }
  // A fragment of the original URL carries over when the Location has none (Fetch standard).
  if (url.hash === "" && new URL(current.url).hash !== "") url.hash = new URL(current.url).hash;
  const headers = new Headers(current.headers);
  let { method, body } = current;
  if (response.status === 303 ? method !== "HEAD" : (response.status === 301 || response.status === 302) && method === "POST") {
    method = "GET";
    body = undefined;
    for (const h of BODY_HEADERS) headers.delete(h);
  }
  if (url.origin !== new URL(current.url).origin) headers.delete("authorization");
  return { ...current, method, url: url.href, headers, body };
}
