import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ApprovalError } from "../errors.js";
import { createApprovalDesk, type ApprovalRequestFields } from "./desk.js";
import { webhookApprover } from "./webhook-approver.js";

const fields: ApprovalRequestFields = {
  session: "s1",
  agent: "ops",
  action: { kind: "tool", tool: "deploy", args: { env: "prod" } },
  actionHash: "ab".repeat(32),
  policyHash: "cd".repeat(32),
  rule: "ask-deploy",
};

interface Received {
  method: string | undefined;
  headers: IncomingMessage["headers"];
  body: string;
}

interface Hook {
  url: string;
  received: Received[];
  /** Resolves when a request's connection closes before the server answered it: the client aborted. */
  aborted: Promise<void>;
}

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

/** A real HTTP server on 127.0.0.1 that hands each request, its body read, to `handle`. */
async function hook(handle: (res: ServerResponse, received: Received) => void): Promise<Hook> {
  const received: Received[] = [];
  let onAborted!: () => void;
  const aborted = new Promise<void>((r) => (onAborted = r));
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const entry = { method: req.method, headers: req.headers, body };
      received.push(entry);
      res.on("close", () => {
        if (!res.writableFinished) onAborted();
      });
      handle(res, entry);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/approve`, received, aborted };
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
};

describe("webhookApprover against a local server", () => {
  it("POSTs the request as JSON with the configured headers, and grants an approval", async () => {
    const { url, received } = await hook((res) => json(res, 200, { approved: true, by: "alice" }));
    const approver = webhookApprover({ url, headers: { authorization: "Bearer s3cret", "content-type": "text/plain" } });
    const outcome = await createApprovalDesk({ approver }).request(fields);
    expect(outcome).toMatchObject({ state: "approved", code: "approval_granted", answer: { approved: true, by: "alice" } });
    expect(received).toHaveLength(1);
    const [req] = received;
    expect(req?.method).toBe("POST");
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.headers.accept).toBe("application/json");
    expect(req?.headers.authorization).toBe("Bearer s3cret");
    expect(JSON.parse(req?.body ?? "")).toEqual(outcome.request);
  });

  it("passes a refusal through", async () => {
    const { url } = await hook((res) => json(res, 200, { approved: false, note: "not today" }));
    const outcome = await createApprovalDesk({ approver: webhookApprover({ url }) }).request(fields);
    expect([outcome.state, outcome.code, outcome.reason]).toEqual(["denied", "approval_denied", "denied: `not today`"]);
  });

  it("passes modified args and a ttl through", async () => {
    const { url } = await hook((res) => json(res, 201, { approved: true, args: { env: "staging" }, ttlMs: 300_000, extra: "ignored" }));
    const outcome = await createApprovalDesk({ approver: webhookApprover({ url }) }).request(fields);
    expect(outcome.answer).toEqual({ approved: true, args: { env: "staging" }, ttlMs: 300_000 });
  });

  it("turns an answer of the wrong shape into approval_invalid", async () => {
    const { url } = await hook((res) => json(res, 200, { approved: "yes" }));
    const outcome = await createApprovalDesk({ approver: webhookApprover({ url }) }).request(fields);
    expect([outcome.state, outcome.code]).toEqual(["denied", "approval_invalid"]);
  });

  it("denies on a status that is not 2xx, even with an approving body", async () => {
    const { url } = await hook((res) => json(res, 500, { approved: true }));
    const outcome = await createApprovalDesk({ approver: webhookApprover({ url }) }).request(fields);
    expect([outcome.state, outcome.code, outcome.reason]).toEqual(["denied", "approval_error", "the approver failed: `the webhook answered http 500`"]);
  });

  it("denies a body that is not JSON", async () => {
    const { url } = await hook((res) => json(res, 200, "approved: yes"));
    const outcome = await createApprovalDesk({ approver: webhookApprover({ url }) }).request(fields);
    expect([outcome.code, outcome.reason]).toEqual(["approval_error", "the approver failed: `the webhook's answer is not json`"]);
  });

  it("denies an empty body", async () => {
    const { url } = await hook((res) => res.writeHead(204).end());
    const outcome = await createApprovalDesk({ approver: webhookApprover({ url }) }).request(fields);
    expect([outcome.code, outcome.reason]).toEqual(["approval_error", "the approver failed: `the webhook's answer is not json`"]);
  });

  it("denies a body beyond 1 MiB", async () => {
    const { url } = await hook((res) => json(res, 200, { approved: true, note: "x".repeat(1_100_000) }));
    const outcome = await createApprovalDesk({ approver: webhookApprover({ url }) }).request(fields);
    expect([outcome.code, outcome.reason]).toEqual(["approval_error", "the approver failed: `the webhook's answer exceeds 1048576 bytes`"]);
  });

  it("does not follow a redirect", async () => {
    const target = await hook((res) => json(res, 200, { approved: true }));
    const { url } = await hook((res) => res.writeHead(307, { location: target.url }).end());
    const outcome = await createApprovalDesk({ approver: webhookApprover({ url }) }).request(fields);
    expect([outcome.state, outcome.code]).toEqual(["denied", "approval_error"]);
    expect(target.received).toHaveLength(0);
  });

  it("gives up after its own timeout and aborts the request", async () => {
    const { url, aborted } = await hook(() => undefined);
    const desk = createApprovalDesk({ approver: webhookApprover({ url, timeoutMs: 50 }), timeoutMs: 10_000 });
    const outcome = await desk.request(fields);
    expect([outcome.state, outcome.code, outcome.reason]).toEqual(["denied", "approval_error", "the approver failed: `the webhook did not answer within 50 ms`"]);
    await aborted;
  });

  it("aborts the request when the desk times out", async () => {
    const { url, aborted, received } = await hook(() => undefined);
    const outcome = await createApprovalDesk({ approver: webhookApprover({ url }), timeoutMs: 50 }).request(fields);
    expect([outcome.state, outcome.code]).toEqual(["denied", "approval_timeout"]);
    await aborted;
    expect(received).toHaveLength(1);
  });

  it("aborts the request when the approval is revoked", async () => {
    let arrived!: () => void;
    const reached = new Promise<void>((r) => (arrived = r));
    const { url, aborted } = await hook(() => arrived());
    const desk = createApprovalDesk({ approver: webhookApprover({ url }), timeoutMs: 10_000 });
    const pending = desk.request(fields);
    await reached;
    desk.revoke(desk.pending()[0]!.id);
    expect((await pending).code).toBe("approval_revoked");
    await aborted;
  });

  it("denies when the connection is refused", async () => {
    const { url } = await hook(() => undefined);
    const server = servers.pop()!;
    await new Promise((r) => server.close(r));
    const outcome = await createApprovalDesk({ approver: webhookApprover({ url }) }).request(fields);
    expect([outcome.state, outcome.code]).toEqual(["denied", "approval_error"]);
    expect(outcome.reason).toMatch(/^the approver failed: `the webhook request failed: fetch failed \(.*ECONNREFUSED/);
  });

  it("uses the fetch it is given", async () => {
    const calls: [string, RequestInit | undefined][] = [];
    const fake = (async (input: string, init?: RequestInit) => {
      calls.push([input, init]);
      return new Response(JSON.stringify({ approved: true }), { status: 200 });
    }) as typeof fetch;
    const outcome = await createApprovalDesk({ approver: webhookApprover({ url: "https://approvals.example/x", fetch: fake }) }).request(fields);
    expect(outcome.state).toBe("approved");
    expect(calls[0]?.[0]).toBe("https://approvals.example/x");
    expect(calls[0]?.[1]).toMatchObject({ method: "POST", redirect: "error" });
  });
});

describe("webhookApprover configuration", () => {
  const bad: [string, unknown, RegExp][] = [
    ["a url that does not parse", { url: "not a url" }, /^invalid webhook url `not a url`$/],
    ["a url that is not http", { url: "ftp://approvals.example/x" }, /must use http or https$/],
    ["a url with credentials", { url: "https://user:pass@approvals.example/x" }, /must not carry credentials/],
    ["a url that is not a string", { url: 42 }, /must be a string or a URL$/],
    ["a header name that is not valid", { url: "https://a.example", headers: { "bad header": "x" } }, /^invalid webhook headers: `/],
    ["a timeout of zero", { url: "https://a.example", timeoutMs: 0 }, /`timeoutMs` must be a positive number/],
    ["a fetch that is not a function", { url: "https://a.example", fetch: "fetch" }, /no `fetch` is available/],
    ["no options", undefined, /needs options with a `url`$/],
  ];
  for (const [name, options, message] of bad) {
    it(`throws invalid_approver for ${name}`, () => {
      let thrown: unknown;
      try {
        webhookApprover(options as never);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(ApprovalError);
      expect((thrown as ApprovalError).code).toBe("invalid_approver");
      expect((thrown as Error).message).toMatch(message);
    });
  }

  it("accepts a URL object", () => {
    expect(typeof webhookApprover({ url: new URL("https://approvals.example/x") })).toBe("function");
  });
});
