// The guarded fetch's cost per request, in one process: `createGuardedFetch` over a local HTTP server on
// 127.0.0.1 against the same fetch unguarded, alternating rounds; and over an in-memory inner fetch
// (no network), which isolates the adapter and the guard. `node bench/fetch-overhead.mjs` after
// `pnpm build`.
import { createServer } from "node:http";
import { createGuard, loadPolicy } from "@trailguard/core";
import { createGuardedFetch } from "@trailguard/fetch";

const POLICY = `
version: 1
name: fetch-overhead
default: deny
rules:
  - id: local
    when: action.kind == "http" && action.host == "127.0.0.1" && action.path.startsWith("/api/")
    effect: allow
`;
const server = createServer((req, res) => res.end("ok"));
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/api/items?page=1`;
const guard = await createGuard({ policy: loadPolicy(POLICY).policy });
const memory = async () => new Response("ok");
const contenders = {
  "fetch, local server": (u) => fetch(u),
  "guarded fetch, local server": createGuardedFetch(guard, { session: "s1" }),
  "in-memory fetch": memory,
  "guarded in-memory fetch": createGuardedFetch(guard, { session: "s2", fetch: memory }),
};

async function round(f, n) {
  const samples = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    const r = await f(url);
    await r.text();
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return samples.sort((a, b) => a - b);
}
const q = (s, p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
const best = {};
for (const f of Object.values(contenders)) await round(f, 2_000);
for (let r = 0; r < 5; r++) {
  for (const [name, f] of Object.entries(contenders)) {
    const s = await round(f, name.includes("server") ? 2_000 : 20_000);
    if (!best[name] || q(s, 0.5) < best[name].p50) best[name] = { p50: q(s, 0.5), p99: q(s, 0.99) };
  }
}
for (const [name, b] of Object.entries(best)) console.log(`${name.padEnd(28)} p50 ${b.p50.toFixed(1).padStart(7)} µs  p99 ${b.p99.toFixed(1).padStart(7)} µs`);
console.log(`added per request (p50, best of 5 rounds): ${(best["guarded fetch, local server"].p50 - best["fetch, local server"].p50).toFixed(1)} µs over a local server, ${(best["guarded in-memory fetch"].p50 - best["in-memory fetch"].p50).toFixed(1)} µs over an in-memory fetch`);
server.close();
await guard.close();
