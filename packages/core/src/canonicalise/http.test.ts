import { describe, expect, it } from "vitest";
import { canonicaliseUrl } from "./http.js";
import type { CanonicalUrl } from "./http.js";

function ok(raw: string, base?: string): CanonicalUrl {
  const result = canonicaliseUrl(raw, base);
  if (!result.ok) throw new Error(`expected ok for ${raw}: ${result.error}`);
  return result;
}

describe("canonicaliseUrl: hosts", () => {
  it("lower-cases scheme and host", () => {
    const u = ok("HTTP://ExAmPlE.CoM/Path");
    expect(u.scheme).toBe("http");
    expect(u.host).toBe("example.com");
    expect(u.path).toBe("/Path");
    expect(u.url).toBe("http://example.com/Path");
  });

  it("converts IDN hosts to punycode", () => {
    expect(ok("https://bücher.example/").host).toBe("xn--bcher-kva.example");
    expect(ok("https://BÜCHER.example/").host).toBe("xn--bcher-kva.example");
  });

  it.each([
    "http://2130706433/",
    "http://0x7f.0.0.1/",
    "http://0x7F000001/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://127.0.1/",
    "http://%31%32%37.0.0.1/",
    "http://１２７.０.０.１/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[0:0:0:0:0:ffff:7f00:1]/",
    "http://127.0.0.1./",
    "http://0x7f.1../",
  ])("normalises %s to 127.0.0.1", (raw) => {
    const u = ok(raw);
    expect(u.host).toBe("127.0.0.1");
    expect(u.url).toBe("http://127.0.0.1/");
  });

  it("keeps other IPv6 addresses compressed, lower-case and without brackets", () => {
    const u = ok("http://[2001:DB8:0:0:0:0:0:1]:8080/x");
    expect(u.host).toBe("2001:db8::1");
    expect(u.url).toBe("http://[2001:db8::1]:8080/x");
    expect(ok("http://[::1]/").host).toBe("::1");
  });

  it("strips trailing dots", () => {
    expect(ok("http://example.com./").host).toBe("example.com");
    expect(ok("http://example.com.../a").url).toBe("http://example.com/a");
  });

  it("drops userinfo: the host is what follows the last @", () => {
    const u = ok("http://trusted.example@evil.example/");
    expect(u.host).toBe("evil.example");
    expect(u.url).toBe("http://evil.example/");
    const v = ok("https://user:pa%40ss@trusted.example:8443@evil.example/x");
    expect(v.host).toBe("evil.example");
    expect(v.url).toBe("https://evil.example/x");
  });

  it("treats backslashes as slashes for special schemes", () => {
    const u = ok("https:\\\\evil.example\\admin\\..\\x");
    expect(u.host).toBe("evil.example");
    expect(u.path).toBe("/x");
    expect(ok("http://trusted.example\\@evil.example/").host).toBe("trusted.example");
  });
});

describe("canonicaliseUrl: ports", () => {
  it.each([
    ["http://h/", 80],
    ["https://h/", 443],
    ["ws://h/", 80],
    ["wss://h/", 443],
    ["ftp://h/", 21],
    ["gopher://h/", 0],
    ["http://h:8080/", 8080],
    ["https://h:80/", 80],
    ["http://h:0/", 0],
  ])("%s has port %i", (raw, port) => {
    expect(ok(raw).port).toBe(port);
  });

  it("omits the default port from url and keeps any other", () => {
    expect(ok("http://h:80/a").url).toBe("http://h/a");
    expect(ok("https://h:443/a").url).toBe("https://h/a");
    expect(ok("https://h:80/a").url).toBe("https://h:80/a");
    expect(ok("http://h:0443/").url).toBe("http://h:443/");
  });
});

describe("canonicaliseUrl: paths", () => {
  it("decodes encoded separators and resolves the dot segments they form", () => {
    const u = ok("http://h/a/..%2F..%2Fetc/passwd");
    expect(u.path).toBe("/etc/passwd");
    // The url keeps the WHATWG pathname: the encoded slashes are part of one segment there.
    expect(u.url).toBe("http://h/a/..%2F..%2Fetc/passwd");
  });

  it("lets WHATWG resolve encoded dot segments in url too", () => {
    const u = ok("http://h/a/%2e%2E/%2E./b/../etc/passwd");
    expect(u.url).toBe("http://h/etc/passwd");
    expect(u.path).toBe("/etc/passwd");
  });

  it("decodes until stable, so double encoding cannot hide a traversal", () => {
    expect(ok("http://h/public/%252e%252e/admin").path).toBe("/admin");
    expect(ok("http://h/%2561dmin").path).toBe("/admin");
  });

  it("treats decoded backslashes as separators", () => {
    expect(ok("http://h/public/..%5Cadmin").path).toBe("/admin");
  });

  it("collapses repeated slashes and never climbs above /", () => {
    expect(ok("http://h//data///x").path).toBe("/data/x");
    expect(ok("http://h/../../../etc").path).toBe("/etc");
    expect(ok("http://h/a/%2E%2E/%2e%2e/%2e%2e/").path).toBe("/");
  });

  it("keeps a trailing slash", () => {
    expect(ok("http://h/a/b/").path).toBe("/a/b/");
    expect(ok("http://h/a/b/.").path).toBe("/a/b/");
    expect(ok("http://h").path).toBe("/");
  });

  it("keeps invalid escapes literally and replaces invalid UTF-8 with U+FFFD", () => {
    expect(ok("http://h/a%zzb%").path).toBe("/a%zzb%");
    expect(ok("http://h/%C3%A9t%C3%A9").path).toBe("/été");
    expect(ok("http://h/x%FFy").path).toBe("/x\ufffdy");
    expect(ok("http://h/%C3").path).toBe("/\ufffd");
  });

  it("decodes spaces and non-ASCII but keeps the encoded form in url", () => {
    const u = ok("http://h/a b/ü");
    expect(u.path).toBe("/a b/ü");
    expect(u.url).toBe("http://h/a%20b/%C3%BC");
  });
});

describe("canonicaliseUrl: query, fragment, url", () => {
  it("keeps the query encoded and drops the fragment", () => {
    const u = ok("https://h/p?a=%20b&c=%2e%2e#frag");
    expect(u.query).toBe("a=%20b&c=%2e%2e");
    expect(u.url).toBe("https://h/p?a=%20b&c=%2e%2e");
  });

  it("gives an empty query when there is none", () => {
    expect(ok("https://h/p").query).toBe("");
    expect(ok("https://h/p?").query).toBe("");
  });

  it("resolves against a base", () => {
    const u = ok("../x?y=1", "https://h/a/b/c");
    expect(u.url).toBe("https://h/a/x?y=1");
    expect(ok("//evil.example/p", "https://trusted.example/").host).toBe("evil.example");
  });

  it("accepts schemes without a host", () => {
    const u = ok("mailto:Someone@Example.com");
    expect(u).toMatchObject({ scheme: "mailto", host: "", port: 0, path: "Someone@Example.com" });
    expect(u.url).toBe("mailto:Someone@Example.com");
    const f = ok("file:///etc/%70asswd");
    expect(f).toMatchObject({ scheme: "file", host: "", path: "/etc/passwd", url: "file:///etc/%70asswd" });
  });

  it("is deterministic", () => {
    const raw = "HTTP://u@Bücher.example.:80/a/./b/%2e%2e/c?q#f";
    expect(canonicaliseUrl(raw)).toEqual(canonicaliseUrl(raw));
    expect(ok(raw).url).toBe("http://xn--bcher-kva.example/a/c?q");
  });
});

describe("canonicaliseUrl: errors", () => {
  it.each(["", "not a url", "http://", "http://[::1", "http://exa mple.com/", "https://./", "ws://../"])(
    "rejects %j",
    (raw) => {
      const result = canonicaliseUrl(raw);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error).toMatch(/^[a-z]/);
        expect(result.error).not.toMatch(/\.$/);
        expect(result.error).toContain(`\`${raw}\``);
      }
    },
  );

  it("rejects an unusable base", () => {
    const result = canonicaliseUrl("/x", "not a base");
    expect(result).toEqual({ ok: false, error: "invalid url `/x` against base `not a base`" });
  });

  it("never throws on hostile input", () => {
    const inputs: unknown[] = [undefined, null, 42, {}, "\u0000", "http://\u0000/", `http://h/${"%25".repeat(50_000)}`];
    for (const input of inputs) expect(() => canonicaliseUrl(input as string)).not.toThrow();
    expect(canonicaliseUrl(42 as unknown as string)).toEqual({ ok: false, error: "url must be a string" });
  });

  it("bounds and sanitises the input quoted in errors", () => {
    const result = canonicaliseUrl(`x\n${"y".repeat(500)}`);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).not.toContain("\n");
      expect(result.error.length).toBeLessThan(260);
    }
  });
});

describe("the plain-URL fast path", () => {
  it("agrees with the full canonicalisation on generated URLs", async () => {
    const { canonicaliseUrlFully, plainUrl } = await import("./http.js");
    const hosts = ["a.example", "api.internal.example", "x-y.example", "a1.b2.example", "localhost", "ex", "0x7f.example", "1.example", "example.c0m", "EXAMPLE.com", "a..b", "-a.example", "a-.example", "xn--bcher-kva.example", "127.0.0.1", "1.2.3.4x", "0x7f000001", "a.0xff", "0x", "0xg.example", "a.0xabcdefx", "a-b.example", "ab.c-d", "0x.example", "a.b.c.d.example", "x.0", "_a.example"];
    const ports = ["", ":80", ":443", ":8080", ":0443", ":65535", ":65536", ":0", ":1", ":", ":00080", ":123456"];
    const paths = ["", "/", "/a", "/a/", "/a/b", "/a//b", "/./a", "/a/..", "/a/%2e", "/a/.b", "/a b", "/a~b", "/a:b@c", "/(x)", "/a\\b", "/é", "/a'b", "/a\"b", "/a{b}", "/x.y/", "/a/.", "/-", "/a/b/", "/.a/b", "/a/b.", "/~", "/%41"];
    const queries = ["", "?", "?a=1", "?a=1&b=2", "?q=a b", "?q='x'", "?x=%20", "?a/b?c", "?#frag", "?a#b", "?a.b~c", "?é"];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    let fast = 0;
    for (let i = 0; i < 8000; i++) {
      const scheme = ["http", "https", "HTTP", "ftp"][next() % 4]!;
      const url = `${scheme}://${hosts[next() % hosts.length]}${ports[next() % ports.length]}${paths[next() % paths.length]}${queries[next() % queries.length]}`;
      const full = canonicaliseUrlFully(url);
      const got = canonicaliseUrl(url);
      if (full.ok) expect(got, url).toEqual(full);
      else expect(got.ok, url).toBe(false);
      if (plainUrl(url)) fast++;
    }
    // The fast path must actually be taken on a good share of the samples, or the comparison proves
    // nothing about it (with these lists, about one sample in fifteen is plain).
    expect(fast).toBeGreaterThan(400);
  });
});

