import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decision } from "./audit.test-support.js";
import { AuditChain } from "./chain.js";
import { recordLine } from "./record-json.js";
import { browserSink, callbackSink, consoleSink, memorySink } from "./sinks.js";
import { verifyChain } from "./verify.js";

describe("memorySink and callbackSink", () => {
  it("keep records and their lines in order", async () => {
    const mem = memorySink();
    const batches: number[][] = [];
    const chain = new AuditChain({ sinks: [mem, callbackSink((records, lines) => { batches.push(records.map((r) => r.seq)); expect(lines).toHaveLength(records.length); })] });
    for (let i = 0; i < 5; i++) chain.append(decision(i));
    await chain.flush();
    expect(mem.records.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(mem.lines.map((l) => JSON.parse(l))).toEqual(mem.records);
    expect(mem.lines).toEqual(mem.records.map(recordLine));
    expect(batches.flat()).toEqual([0, 1, 2, 3, 4]);
  });
});

describe("consoleSink", () => {
  it("writes one JSON line per record to a stream", async () => {
    const out: string[] = [];
    const chain = new AuditChain({ sinks: [consoleSink({ stream: { write: (s) => out.push(s) } })] });
    chain.append(decision(0));
    chain.append(decision(1));
    await chain.flush();
    expect(out).toHaveLength(2);
    expect(out.every((s) => s.endsWith("}\n") && !s.slice(0, -1).includes("\n"))).toBe(true);
    expect(verifyChain(out.map((s, i) => ({ text: s.slice(0, -1), file: "out", line: i + 1 })))).toMatchObject({ ok: true, records: 2 });
  });

  it("prints to console.log without a stream", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      const chain = new AuditChain({ sinks: [consoleSink()] });
      const r = chain.append(decision(0));
      await chain.flush();
      expect(log).toHaveBeenCalledWith(recordLine(r));
    } finally {
      log.mockRestore();
    }
  });
});

describe("browserSink", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((res) => (server ? server.close(() => res()) : res()));
    server = undefined;
  });

  async function listen(handler: (req: IncomingMessage, body: string) => number): Promise<string> {
    server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => (body += c));
      req.on("end", () => {
        res.statusCode = handler(req, body);
        res.end("ok");
      });
    });
    await new Promise<void>((res) => server!.listen(0, "127.0.0.1", res));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/audit`;
  }

  it("POSTs batches as JSON Lines to a local server", async () => {
    const bodies: string[] = [];
    const url = await listen((req, body) => {
      expect(req.method).toBe("POST");
      expect(req.headers["content-type"]).toBe("application/x-ndjson");
      expect(req.headers["x-token"]).toBe("t");
      bodies.push(body);
      return 204;
    });
    const chain = new AuditChain({ sinks: [browserSink({ url, headers: { "x-token": "t" } })] });
    for (let i = 0; i < 10; i++) chain.append(decision(i));
    await chain.flush();
    const lines = bodies.join("").split("\n").filter((l) => l !== "");
    expect(lines.map((l) => JSON.parse(l).seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(verifyChain(lines.map((text, i) => ({ text, file: "server", line: i + 1 })))).toMatchObject({ ok: true, records: 10 });
  });

  it("treats a non-2xx answer as a failure and sends the batch again on flush", async () => {
    let status = 503;
    const seqs: number[] = [];
    const url = await listen((_req, body) => {
      if (status < 300) for (const l of body.split("\n")) if (l !== "") seqs.push(JSON.parse(l).seq);
      return status;
    });
    const chain = new AuditChain({ sinks: [browserSink({ url })] });
    chain.append(decision(0));
    await expect(chain.flush()).rejects.toThrow(`audit sink 0 failed: audit endpoint \`${url}\` answered 503`);
    expect(chain.failure?.code).toBe("audit_sink");
    status = 200;
    chain.append(decision(1));
    await chain.flush();
    expect(chain.failure).toBeUndefined();
    expect(seqs).toEqual([0, 1]);
  });

  it("uses keepalive and splits a batch into bodies a keepalive request may carry", async () => {
    const calls: { body: string; keepalive: boolean | undefined }[] = [];
    const fakeFetch = (async (_url: string, init: RequestInit) => {
      calls.push({ body: init.body as string, keepalive: init.keepalive });
      return new Response(null, { status: 200 });
    }) as typeof fetch;
    const chain = new AuditChain({ sinks: [browserSink({ url: "https://audit.example/in", fetch: fakeFetch })] });
    const big = "x".repeat(1_000);
    for (let i = 0; i < 200; i++) chain.append(decision(i, { reason: big }));
    chain.append(decision(200, { reason: "y".repeat(60 * 1024) }));
    await chain.flush();
    expect(calls.length).toBeGreaterThan(3);
    for (const c of calls.slice(0, -1)) {
      expect(c.keepalive).toBe(true);
      expect(new TextEncoder().encode(c.body).length).toBeLessThanOrEqual(48 * 1024);
    }
    // The one record larger than a keepalive body goes alone, without keepalive.
    expect(calls.at(-1)!.keepalive).toBe(false);
    expect(calls.at(-1)!.body.split("\n").filter(Boolean)).toHaveLength(1);
    const seqs = calls.flatMap((c) => c.body.split("\n").filter(Boolean).map((l) => JSON.parse(l).seq));
    expect(seqs).toEqual(Array.from({ length: 201 }, (_, i) => i));
  });
});
