// The parts of bench/RESULTS.md: the budget table of DESIGN §8 and one section per suite, each read from
// that suite's JSON. A missing suite or field gives "not measured", never a number.
import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { handWrittenFloors } from "../floors.mjs";

const us = (x) => (x === undefined ? "—" : `${x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : Math.round(x).toLocaleString("en")} µs`);
const times = (x) => (x === undefined ? "—" : `${x < 1 ? x.toPrecision(2) : x < 10 ? x.toFixed(1) : Math.round(x).toLocaleString("en")}×`);
const find = (rows, prefix) => rows?.find((r) => r.name.startsWith(prefix));

/** The gzipped size of a built file, or undefined when it has not been built. */
function gzipped(path) {
  const file = new URL(path, import.meta.url);
  return existsSync(file) ? gzipSync(readFileSync(file), { level: 9 }).length : undefined;
}

// The hand-written budget at every size measured, each side against its like (floors.mjs): met when every
// pair is within 5×; the worst pair is what the row shows.
function handWrittenRow(latest) {
  const pairs = (latest.by_size ?? [{ rules: latest.rules, contenders: latest.results }]).flatMap((z) => handWrittenFloors(z.contenders).map((f) => ({ ...f, rules: z.rules })));
  if (pairs.length === 0) return { measured: "—", met: undefined };
  const worst = pairs.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  const all = pairs.map((f) => `${f.what} ${times(f.ratio)} at ${f.rules.toLocaleString("en")} rules`).join(", ");
  return { measured: `at most ${times(worst.ratio)} its floor (${all})`, met: pairs.every((f) => f.ratio <= 5) };
}

/**
 * One row per budget of DESIGN §8: what it asks, what was measured, and whether it is met (undefined:
 * not measured).
 *
 * @example
 * budgetRows({ latest }) // [{ budget: "p50 ≤ 3 µs …", measured: "2.21 µs", met: true }, …]
 */
export function budgetRows({ latest, redos, startup }) {
  const rows = latest.results;
  const cedar = find(rows, "cedar");
  const cels = rows.filter((r) => r.name.startsWith("cel") || r.name.includes("CEL") || r.name.includes("cel"));
  const traj = latest.with_trajectory;
  const small = latest.scaling?.find((s) => s.rules === 10);
  const large = latest.scaling?.find((s) => s.rules === 1000);
  const slowestCel = cels.length ? Math.min(...cels.map((r) => r.ratio_p50)) : undefined;
  const wasm = gzipped("../../core-wasm/dist/trailguard.wasm");
  const mib = redos?.attacks.sizes.find((z) => z.bytes === 1024 * 1024);
  const growth = redos?.attacks.growth;
  const cold = startup?.cold?.["per-action/whole"];
  const pre = startup?.cold?.["per-action/compiled"];
  return [
    { budget: "reference policy (100 rules, sequences, flows, limits) p50 ≤ 3 µs", measured: us(traj?.p50_us), met: traj && traj.p50_us <= 3 },
    { budget: "… p99 ≤ 15 µs", measured: us(traj?.p99_us), met: traj && traj.p99_us <= 15 },
    { budget: "… with the audit chain append p50 ≤ 6 µs", measured: us(latest.audit?.with.p50_us), met: latest.audit && latest.audit.with.p50_us <= 6 },
    { budget: "≥ 20× faster than cedar-wasm", measured: times(cedar?.ratio_p50), met: cedar && cedar.ratio_p50 >= 20 },
    { budget: "≥ 5× faster than a CEL interpreter in JS", measured: slowestCel === undefined ? "—" : `${times(slowestCel)} (the faster CEL peer)`, met: slowestCel !== undefined && slowestCel >= 5 },
    { budget: "within 5× of hand-written JS", ...handWrittenRow(latest) },
    { budget: "1,000 rules ≤ 1.5× 10 rules", measured: small && large ? times(large.p50_us / small.p50_us) : "—", met: small && large ? large.p50_us / small.p50_us <= 1.5 : undefined },
    { budget: "1 MiB adversarial input, ReDoS-prone pattern: linear, < 20 ms", measured: mib && growth ? `${mib.trailguard.max_ms.toFixed(1)} ms for the slowest of ${redos.attacks.accepted} accepted patterns (median ${mib.trailguard.median_ms.toFixed(1)} ms); 16× the input costs ${growth.median.toFixed(1)}× the time (median), ${growth.max.toFixed(1)}× at most` : "—", met: mib && growth ? mib.trailguard.max_ms < 20 && growth.flagged.length === 0 : undefined },
    { budget: "≤ 4 KiB engine memory per idle session; 100,000 sessions", measured: startup?.many ? `${startup.many.memory.engine} B engine + ${startup.many.memory.heap} B JS heap per session over ${startup.many.sessions.toLocaleString("en")} live sessions, ${startup.many.wrong} wrong decisions after` : "—", met: startup?.many ? startup.many.memory.engine <= 4096 && startup.many.sessions >= 100_000 && startup.many.wrong === 0 : undefined },
    { budget: "`trailguard.wasm` ≤ 64 KiB gzipped", measured: wasm === undefined ? "—" : `${(wasm / 1024).toFixed(1)} KiB`, met: wasm === undefined ? undefined : wasm <= 64 * 1024 },
    {
      budget: "guard ready (instantiate + compile a 100-rule policy) < 25 ms",
      measured: cold
        ? `${pre ? `precompiled (\`trailguard compile\`): ${pre.ready_ms.median.toFixed(1)} ms median in a fresh process (p90 ${pre.ready_ms.p90.toFixed(1)}); ` : ""}from YAML: ${cold.ready_ms.median.toFixed(0)} ms (p90 ${cold.ready_ms.p90.toFixed(0)}); ${startup.warm["per-action"].ready_ms.median.toFixed(0)} ms warm, in a process that has loaded policies before`
        : "—",
      // Met by the path a deployment that cares can take: the policy compiled ahead of time.
      met: cold ? (pre ?? cold).ready_ms.median < 25 : undefined,
    },
  ];
}

/**
 * The sections after the budget table, one per suite; `chart(file, spec)` writes an SVG and returns its
 * Markdown.
 *
 * @example
 * lines.push(...suiteSections(data, chart));
 */
export function suiteSections({ latest, redos, adapters, startup }, chart) {
  const out = [];
  out.push("## Latency against peers (100-rule reference policy)", "");
  out.push("| contender | p50 | p99 | ops/s | × trailguard p50 | agrees |", "|---|---|---|---|---|---|");
  for (const r of latest.results) out.push(`| ${r.name} | ${us(r.p50_us)} | ${us(r.p99_us)} | ${r.ops_per_s.toLocaleString("en")} | ${times(r.ratio_p50)} | ${Math.round(r.agreement * 100)}% |`);
  out.push("");
  if (latest.by_size?.length) {
    out.push("## Latency by rule count, against peers", "");
    out.push("Each size runs in its own process: trailguard and every peer on the same actions (best round p50, p99 in parentheses, × trailguard's p50 at that size).", "");
    const names = latest.by_size[0].contenders.map((c) => c.name);
    out.push(`| contender | ${latest.by_size.map((z) => `${z.rules.toLocaleString("en")} rules`).join(" | ")} |`, `|---|${latest.by_size.map(() => "---").join("|")}|`);
    for (const name of names) {
      const cells = latest.by_size.map((z) => {
        const c = z.contenders.find((x) => x.name === name);
        return c ? `${us(c.p50_us)} (${us(c.p99_us)}), ${times(c.ratio_p50)}` : "—";
      });
      out.push(`| ${name} | ${cells.join(" | ")} |`);
    }
    out.push(`| trailguard, + sequences, limits, flows | ${latest.by_size.map((z) => (z.trajectory ? `${us(z.trajectory.p50_us)} (${us(z.trajectory.p99_us)}), ${times(z.trajectory.ratio_p50)} its per-action p50` : "—")).join(" | ")} |`, "");
    const series = names.map((name) => ({ name, points: latest.by_size.flatMap((z) => z.contenders.filter((c) => c.name === name).map((c) => [z.rules, c.p50_us])) }));
    series.splice(1, 0, { name: "trailguard + trajectory", points: latest.by_size.filter((z) => z.trajectory).map((z) => [z.rules, z.trajectory.p50_us]) });
    out.push(chart("latency-by-rules.svg", {
      title: "p50 per decision by rule count (log scale)",
      x: { label: "rules in the policy", log: true },
      y: { label: "p50 µs", log: true },
      series: series.filter((x) => x.points.length > 0),
    }));
    out.push("");
  }
  if (latest.scaling) {
    out.push(`Interleaved in one process, guard.check p50 at ${latest.scaling.map((z) => `${z.rules.toLocaleString("en")} rules ${us(z.p50_us)}`).join(", ")}.`, "");
  }
  const t = latest.with_trajectory;
  if (t) {
    out.push("## Trajectory rules, audit, memory", "");
    out.push(`- Sequences, limits and flows on top of the 100 rules: best round p50 ${us(t.p50_us)}, p99 ${us(t.p99_us)}; median round p50 ${us(t.median_p50_us)}.`);
    if (latest.audit) out.push(`- With the audit chain: p50 ${us(latest.audit.with.p50_us)} (+${us(latest.audit.append_p50_us)} on the decision path); the whole record ${us(latest.audit.record_us)} per decision, amortised.`);
    if (latest.memory) out.push(`- Memory: ${latest.memory.bytes_per_session} bytes per idle session over ${latest.memory.sessions.toLocaleString("en")} sessions (engine record ${latest.memory.record_bytes} bytes).`);
    out.push("");
  }
  if (adapters) {
    out.push("## Adapter overhead", "", "Each adapter against the bare guard on the same calls, alternating block by block (`adapters.mjs`).", "");
    out.push("| entry point | bare p50 (p99) | with the adapter p50 (p99) | added p50 | × |", "|---|---|---|---|---|");
    for (const r of adapters.results) out.push(`| ${r.label} | ${us(r.bare.p50_us)} (${us(r.bare.p99_us)}) | ${us(r.adapter.p50_us)} (${us(r.adapter.p99_us)}) | ${us(r.overhead_p50_us)} | ${times(r.ratio_p50)} |`);
    out.push("");
  }
  if (startup) {
    const m = startup.memory;
    out.push("## Start-up and memory", "");
    if (m) out.push(`- Per session over ${m.sessions.toLocaleString("en")} sessions: idle ${m.idle.total} B (${m.idle.engine} engine, ${m.idle.heap} JS heap), busy ${m.busy.total} B (armed sequences, limit windows, ${m.fingerprints_per_output} fingerprints of a labelled output, a pending result).`);
    if (startup.many) out.push(`- ${startup.many.sessions.toLocaleString("en")} live sessions in one guard: ${startup.many.wrong} wrong decisions afterwards; ${startup.many.first_actions_per_s.toLocaleString("en")} first and ${startup.many.later_actions_per_s.toLocaleString("en")} later decisions per second.`);
    const c = startup.cold?.["per-action/whole"];
    if (c) out.push(`- Cold start in a fresh process: importing core ${c.import_ms.median.toFixed(0)} ms, then \`loadPolicy\` ${c.load_ms.median.toFixed(0)} ms and \`createGuard\` ${c.create_ms.median.toFixed(0)} ms (medians).`);
    const p = startup.cold?.["per-action/compiled"];
    if (p) out.push(`- From a precompiled policy: reading it and \`loadCompiledPolicy\` ${p.load_ms.median.toFixed(1)} ms, \`createGuard\` ${p.create_ms.median.toFixed(1)} ms (medians); ${p.ready_cpu_ms.median.toFixed(1)} ms of CPU.`);
    out.push("");
  }
  if (redos) out.push(...redosSection(redos, chart));
  return out;
}

/** Pattern matching: the ReDoS corpus on its attack strings, and the real-world sets' acceptance. */
function redosSection(redos, chart) {
  const a = redos.attacks;
  const kib = (b) => (b >= 1024 * 1024 ? `${b / (1024 * 1024)} MiB` : `${b / 1024} KiB`);
  const out = ["## Pattern matching (ReDoS)", ""];
  out.push(`${a.accepted} of the ${a.total} regexes of \`regexlib_redos_true.jsonl\` are accepted (${((100 * a.accepted) / a.total).toFixed(0)}%); each runs on its attack string, timed through \`guard.check\`, against JavaScript \`RegExp\` in a worker stopped at ${redos.config.cap_ms} ms.`, "");
  out.push("| input | trailguard median | p90 | max | RegExp median (finished) | RegExp timed out |", "|---|---|---|---|---|---|");
  for (const z of a.sizes) out.push(`| ${kib(z.bytes)} | ${z.trailguard.median_ms.toFixed(3)} ms | ${z.trailguard.p90_ms.toFixed(3)} ms | ${z.trailguard.max_ms.toFixed(3)} ms | ${z.regexp ? `${z.regexp.median_ms.toFixed(2)} ms (${z.regexp.finished})` : "—"} | ${z.regexp ? z.regexp.timed_out : "—"} |`);
  out.push("");
  out.push(chart("matching-by-size.svg", {
    // RegExp is left out: past 16 KiB only the patterns it does not backtrack on finish within the cap,
    // so the median of the finished ones falls as the input grows; the table gives its timeouts instead.
    title: "trailguard matching time by input size (log-log)",
    x: { label: "attack string", log: true, unit: "bytes" },
    y: { label: "ms", log: true },
    series: [
      { name: "trailguard, median", points: a.sizes.map((z) => [z.bytes, z.trailguard.median_ms]) },
      { name: "trailguard, slowest", points: a.sizes.map((z) => [z.bytes, z.trailguard.max_ms]) },
    ],
  }));
  out.push("", "Refused, with the matcher's reason (top 5):", "");
  for (const [why, n] of a.refusals.slice(0, 5)) out.push(`- ${why}: ${n}`);
  out.push("", "Real-world regexes (distinct patterns):", "");
  for (const r of redos.real_world) {
    out.push(`- \`${r.name}\`: ${r.accepted.toLocaleString("en")} of ${r.unique.toLocaleString("en")} accepted (${((100 * r.accepted) / r.unique).toFixed(0)}%); refused most for ${r.reasons.slice(0, 3).map(([why, n]) => `${why} (${n})`).join(", ")}.`);
  }
  out.push("");
  return out;
}
