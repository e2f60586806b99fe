/**
 * File path canonicalisation: every spelling of a path (relative, `~`, `file://`, `..`, doubled slashes, a NUL-byte
 * tail, `/proc/self/root/…`) becomes the one absolute POSIX path the operating system would open, so a rule on `/etc/**` cannot be dodged.
 */

import { percentDecodeOnce } from "./percent.js";

/**
 * Where relative and `~` paths are anchored.
 *
 * @example
 * canonicalisePath("~/x", { home: "/home/agent", cwd: "/srv" }); // "/home/agent/x"
 */
export interface PathOptions {
  /** Working directory for relative paths (default `/`). */
  cwd?: string;
  /** Expansion of `~` (default `/root`). */
  home?: string;
}

/** The OS reads a path as a C string: nothing after a NUL byte reaches it. */
function cutAtNul(p: string): string {
  const nul = p.indexOf("\u0000");
  return nul < 0 ? p : p.slice(0, nul);
}

/** `file:` URL → its percent-decoded path (host ignored: the file is opened locally either way). */
function fileUrlToPath(p: string): string {
  try {
    const url = new URL(p);
    if (url.protocol === "file:") return percentDecodeOnce(url.pathname);
  } catch {
    // Unparsable file URL: fall through and strip the prefix by hand so its path is still judged.
  }
  const rest = p.replace(/^file:(\/\/[^/?#]*)?/i, "");
  return percentDecodeOnce(rest.replace(/[?#].*$/s, ""));
}

/** Resolves `.`, `..` (never above `/`) and repeated `/` in an absolute path; no trailing slash except `/`. */
function normalise(absolute: string): string {
  const out: string[] = [];
  for (const segment of absolute.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return `/${out.join("/")}`;
}

function expandTilde(p: string, home: string, cwd: string): string {
  if (!p.startsWith("~")) return p;
  const slash = p.indexOf("/");
  const user = slash < 0 ? p.slice(1) : p.slice(1, slash);
  const rest = slash < 0 ? "" : p.slice(slash);
  if (user === "") return home + rest;
  // Shells expand `~+` to the working directory.
  if (user === "+") return cwd + rest;
  // root's home is not under /home; mapping it right keeps `~root/.ssh` matching rules on `/root/**`.
  if (user === "root") return `/root${rest}`;
  return `/home/${user}${rest}`;
}

// `/proc/self/root` (and `/proc/<pid>/root`, `/proc/thread-self/root`) is a symlink to the root directory and
// `/proc/self/cwd` one to the working directory: `/proc/self/root/etc/shadow` opens `/etc/shadow`.
const PROC_LINK = /^\/proc\/(?:self|thread-self|\d+)\/(root|cwd)(?=\/|$)/;

function anchor(raw: string, home: string, cwd: string): string {
  let p = cutAtNul(raw);
  if (/^file:/i.test(p)) p = cutAtNul(fileUrlToPath(p));
  p = expandTilde(p, home, cwd);
  p = p.startsWith("/") ? p : `${cwd}/${p}`;
  // The links are followed before `..` is resolved, as the kernel does: `/proc/self/cwd/..` is the cwd's parent.
  // Each round removes at least `/proc/x/root`, so the loop ends; another pid's root is read as ours.
  p = p.replace(/\/(?:\.?\/)+/g, "/");
  for (let m = PROC_LINK.exec(p); m !== null; m = PROC_LINK.exec(p)) {
    p = (m[1] === "cwd" ? cwd : "/") + p.slice(m[0].length);
    p = p.replace(/\/(?:\.?\/)+/g, "/");
  }
  return normalise(p);
}

/**
 * Turns a path as an agent wrote it into an absolute, normalised POSIX path. Never throws; non-string input gives `/`
 * (the widest reading). Backslashes are ordinary characters, as on POSIX.
 *
 * @example
 * canonicalisePath("~/../../etc//passwd\u0000.txt", { home: "/home/agent" }); // "/etc/passwd"
 * canonicalisePath("file:///etc/%70asswd"); // "/etc/passwd"
 * canonicalisePath("notes/./a.txt", { cwd: "/srv/app" }); // "/srv/app/notes/a.txt"
 */
export function canonicalisePath(raw: string, options?: PathOptions): string {
  if (typeof raw !== "string") return "/";
  const home = typeof options?.home === "string" ? anchor(options.home, "/root", "/") : "/root";
  const cwd = typeof options?.cwd === "string" ? anchor(options.cwd, home, "/") : "/";
  return anchor(raw, home, cwd);
}
