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

// `/proc/self/root` (and `/proc/<pid>/root`, `/proc/thread-self/root`, `/proc/<pid>/task/<tid>/root`) is a
// symlink to the root directory and `…/cwd` one to the working directory: `/proc/self/root/etc/shadow`
// opens `/etc/shadow`. Another process's root is read as ours.
const PROC_ID = /^(?:self|thread-self|\d+)$/;

function procLink(out: readonly string[]): "root" | "cwd" | undefined {
  if (out[0] !== "proc" || !PROC_ID.test(out[1] ?? "")) return undefined;
  const last = out[out.length - 1];
  if (last !== "root" && last !== "cwd") return undefined;
  if (out.length === 3 || (out.length === 5 && out[2] === "task" && /^\d+$/.test(out[3] ?? ""))) return last;
  return undefined;
}

/**
 * Resolves `.`, `..` (never above `/`), repeated `/` and the `/proc` links in an absolute path; no trailing
 * slash except `/`. Segment by segment, as the kernel walks a path: `..` pops, and a `/proc` link is
 * followed the moment it is reached, so `/proc/self/cwd/..` is the cwd's parent and
 * `/../proc/self/root/etc` is `/etc`.
 */
function normalise(absolute: string, cwd: string): string {
  const out: string[] = [];
  for (const segment of absolute.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      out.pop();
      continue;
    }
    out.push(segment);
    const link = procLink(out);
    if (link !== undefined) {
      out.length = 0;
      if (link === "cwd") for (const c of cwd.split("/")) if (c !== "") out.push(c);
    }
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

function anchor(raw: string, home: string, cwd: string): string {
  let p = cutAtNul(raw);
  if (/^file:/i.test(p)) p = cutAtNul(fileUrlToPath(p));
  p = expandTilde(p, home, cwd);
  p = p.startsWith("/") ? p : `${cwd}/${p}`;
  return normalise(p, cwd);
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
