// The example's site, on 127.0.0.1: the page, the browser bundle, the policy, and a small API that logs
// every request it receives — the log is the proof of which requests left the browser.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const FILES = {
  "/": { path: here("./page/index.html"), type: "text/html; charset=utf-8" },
  "/agent.js": { path: here("./page/agent.js"), type: "text/javascript; charset=utf-8" },
  "/policy.yaml": { path: here("./policy.yaml"), type: "text/yaml; charset=utf-8" },
  "/trailguard.browser.js": { path: fileURLToPath(import.meta.resolve("@trailguard/fetch/browser")), type: "text/javascript; charset=utf-8" },
};

const CUSTOMERS = [
  { id: 1, name: "Ada Lovelace", email: "ada@example.com", card: "4111 1111 1111 1111" },
  { id: 2, name: "Alan Turing", email: "alan@example.com", card: "5500 0000 0000 0004" },
];

/**
 * Starts the site on 127.0.0.1 (port 0: any free port). `log` lists every API request that arrived.
 *
 * @example
 * const site = await startSite();
 * console.log(site.url, site.log);
 * await site.close();
 */
export async function startSite(port = 0) {
  const log = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname.startsWith("/api/")) {
      let body = "";
      for await (const chunk of req) body += chunk;
      log.push({ method: req.method, path: url.pathname + url.search, bytes: body.length });
      res.setHeader("content-type", "application/json");
      if (url.pathname === "/api/weather") return res.end(JSON.stringify({ city: url.searchParams.get("city"), sky: "clear", celsius: 14 }));
      if (url.pathname === "/api/customers") return res.end(JSON.stringify(CUSTOMERS));
      if (url.pathname === "/api/upload" && req.method === "POST") return res.end(JSON.stringify({ stored: body.length }));
      res.statusCode = 404;
      return res.end("{}");
    }
    const file = FILES[url.pathname];
    if (!file) {
      res.statusCode = 404;
      return res.end("not found");
    }
    res.setHeader("content-type", file.type);
    res.end(await readFile(file.path));
  });
  await new Promise((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address();
  return {
    url: `http://127.0.0.1:${bound}/`,
    log,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
