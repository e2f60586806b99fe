// A real HTTP server on 127.0.0.1 that logs every request it receives, so tests can prove what reached
// the network and what never did.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface LoggedRequest {
  method: string;
  path: string;
  body: string;
  headers: IncomingMessage["headers"];
}

export interface LocalServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  log: LoggedRequest[];
  close(): Promise<void>;
}

/**
 * Routes: `/redirect?to=URL&status=N` answers a redirect; `/loop` redirects to itself; `/echo` answers the request body; `/pii`
 * answers a line with an e-mail address and a key (for output rules); anything else answers `ok METHOD PATH`.
 */
export async function startLocalServer(): Promise<LocalServer> {
  const log: LoggedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      log.push({ method: req.method!, path: req.url!, body, headers: req.headers });
      const url = new URL(req.url!, "http://127.0.0.1");
      if (url.pathname === "/redirect") {
        res.writeHead(Number(url.searchParams.get("status") ?? 302), { location: url.searchParams.get("to")! });
        res.end();
      } else if (url.pathname === "/loop") {
        // Redirects to itself, for ever.
        res.writeHead(302, { location: "/loop" });
        res.end();
      } else if (url.pathname === "/echo") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(body);
      } else if (url.pathname === "/pii") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("contact jane.doe@example.com key sk-abcdefgh");
      } else {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(`ok ${req.method} ${req.url}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    log,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * The policy of the adapter tests: http is allowed, except `/secret` paths, bodies with a password, hosts
 * `evil.example`; `/ask` asks, `/kill` kills.
 */
export const POLICY = `
version: 1
default: deny
rules:
  - id: http-ok
    when: action.kind == "http"
    effect: allow
  - id: no-secret
    when: action.kind == "http" && action.path.startsWith("/secret")
    effect: deny
  - id: no-evil
    when: action.kind == "http" && action.host == "evil.example"
    effect: deny
  - id: no-passwords
    when: action.kind == "http" && has(action.args.body) && action.args.body.contains("password")
    effect: deny
  - id: ask-first
    when: action.kind == "http" && action.path == "/ask"
    effect: ask
  - id: stop
    when: action.kind == "http" && action.path == "/kill"
    effect: kill
`;
