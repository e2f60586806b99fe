// The reference policy and action mix (DESIGN §8): N per-action rules over tool calls with JSON
// arguments, HTTP requests and shell commands. Every condition is plain CEL (no globs, exact sets) so
// that the same text runs unchanged in the CEL peers, and each has a hand-written JS twin.

/**
 * Builds a reference policy of `n` rules (n ≥ 10): its YAML, its rules as data (for the peers), and
 * the sets it uses.
 *
 * @example
 * const { yaml, rules, sets } = referencePolicy(100);
 */
export function referencePolicy(n = 100, { trajectory = false } = {}) {
  const rules = [];
  const sets = {};
  // Shares of the mix, close to what a tool-using agent's policy looks like: most rules are about tools.
  const nTools = Math.round(n * 0.5);
  const nHttp = Math.round(n * 0.2);
  const nShell = Math.round(n * 0.2);
  const nOther = n - nTools - nHttp - nShell;
  for (let i = 0; i < nTools; i++) {
    if (i % 2 === 0) {
      rules.push({ id: `tool-${i}-limit`, when: `action.tool == "tool_${i}" && action.args.amount > ${i * 10}`, effect: "deny",
        js: (a) => a.tool === `tool_${i}` && cmpGt(a.args?.amount, i * 10) });
    } else {
      rules.push({ id: `tool-${i}-read`, when: `action.tool in ["read_${i}", "list_${i}"] && action.args.path.startsWith("/srv/")`, effect: "allow",
        js: (a) => (a.tool === `read_${i}` || a.tool === `list_${i}`) && startsWith(a.args?.path, "/srv/") });
    }
  }
  for (let i = 0; i < nHttp; i++) {
    const hosts = [`api${i}.example`, `cdn${i}.example`, `auth${i}.example`];
    sets[`hosts_${i}`] = hosts;
    if (i % 3 === 2) {
      const re = new RegExp(`^/api/v${i}/(data|users)/`);
      rules.push({ id: `http-${i}-delete`, when: `action.kind == "http" && action.method == "DELETE" && action.path.matches("^/api/v${i}/(data|users)/")`, effect: "deny",
        js: (a) => a.kind === "http" && a.method === "DELETE" && typeof a.path === "string" && re.test(a.path) });
    } else {
      rules.push({ id: `http-${i}-api`, when: `action.kind == "http" && action.host in sets.hosts_${i} && action.path.startsWith("/api/v${i}/")`, effect: "allow",
        js: (a) => a.kind === "http" && hosts.includes(a.host) && startsWith(a.path, `/api/v${i}/`) });
    }
  }
  for (let i = 0; i < nShell; i++) {
    if (i % 4 === 3) {
      rules.push({ id: `shell-${i}-force`, when: `action.program == "prog_${i}" && action.command.contains(" --force")`, effect: "ask",
        js: (a) => a.program === `prog_${i}` && includes(a.command, " --force") });
    } else {
      rules.push({ id: `shell-${i}`, when: `action.kind == "shell" && action.program == "prog_${i}"`, effect: "allow",
        js: (a) => a.kind === "shell" && a.program === `prog_${i}` });
    }
  }
  for (let i = 0; i < nOther; i++) {
    rules.push({ id: `fs-${i}`, when: `action.kind == "fs.write" && action.file.startsWith("/etc/${i}/") && size(action.file) > 3`, effect: "deny",
      js: (a) => a.kind === "fs.write" && startsWith(a.file, `/etc/${i}/`) && [...a.file].length > 3 });
  }
  const extra = trajectory ? TRAJECTORY : [];
  const yaml = [
    "version: 1",
    `name: reference-${n}${trajectory ? "-trajectory" : ""}`,
    "default: deny",
    "sets:",
    ...Object.entries(sets).map(([k, v]) => `  ${k}: [${v.join(", ")}]`),
    "rules:",
    ...rules.flatMap((r) => [`  - id: ${r.id}`, `    when: '${r.when.replaceAll("'", "''")}'`, `    effect: ${r.effect}`]),
    ...extra,
  ].join("\n");
  return { yaml, rules, sets, counts: { nTools, nHttp, nShell, nOther } };
}

/**
 * A realistic mix of actions for a reference policy built with `referencePolicy(n)`: tool calls with
 * JSON arguments, HTTP requests, shell lines; some match rules, some fall to the default.
 *
 * @example
 * const actions = actionMix(100, 512);
 */
export function actionMix(n = 100, count = 512) {
  const { counts } = referencePolicy(n);
  const actions = [];
  for (let k = 0; k < count; k++) {
    const r = (k * 2654435761) >>> 0; // a fixed multiplicative hash: the same mix every run
    const pick = (m) => (r >>> 8) % Math.max(1, m);
    switch (k % 4) {
      case 0:
        actions.push({ kind: "tool", session: `s${k % 8}`, tool: `tool_${pick(counts.nTools)}`, args: { amount: r % 700, currency: "EUR", note: "monthly invoice", tags: ["billing", "q3"] } });
        break;
      case 1: {
        const i = pick(counts.nTools);
        actions.push({ kind: "tool", session: `s${k % 8}`, tool: `${r & 1 ? "read" : "list"}_${i}`, args: { path: r & 2 ? `/srv/data/${k}.json` : `/home/u/${k}`, limit: 50 } });
        break;
      }
      case 2: {
        const i = pick(counts.nHttp);
        const method = ["GET", "POST", "DELETE"][r % 3];
        actions.push({ kind: "http", session: `s${k % 8}`, method, url: `https://${r & 4 ? "api" : "evil"}${i}.example/api/v${i}/${r & 8 ? "data" : "items"}/${k}?page=${k % 5}` });
        break;
      }
      default: {
        const i = pick(counts.nShell);
        actions.push({ kind: "shell", session: `s${k % 8}`, command: `prog_${i} --input /tmp/in${k}.txt${r & 16 ? " --force" : ""} --verbose` });
      }
    }
  }
  return actions;
}

function cmpGt(x, n) {
  if (x === undefined) return false;
  if (typeof x !== "number") throw new TypeError("mismatched types");
  return x > n;
}
function startsWith(x, p) {
  if (x === undefined) return false;
  if (typeof x !== "string") throw new TypeError("mismatched types");
  return x.startsWith(p);
}
function includes(x, p) {
  if (x === undefined) return false;
  if (typeof x !== "string") throw new TypeError("mismatched types");
  return x.includes(p);
}

// The trajectory part of the reference policy (DESIGN §8 "reference policy (100 rules, sequences, flows,
// limits)"): five sequences, three limits, two flow sources and two sinks.
const TRAJECTORY = `
sequences:
  - id: shell-then-egress
    steps: [{ when: 'action.kind == "shell"' }, { when: 'action.kind == "http" && action.method != "GET"' }]
    within: 20
    effect: deny
  - id: read-then-delete
    steps: [{ when: 'action.tool.startsWith("read_")' }, { when: 'action.kind == "http" && action.method == "DELETE"' }]
    within: 10
    effect: ask
  - id: three-step
    steps: [{ when: 'action.tool == "tool_1"' }, { when: 'action.tool == "tool_3"' }, { when: 'action.program == "prog_1"' }]
    within_ms: 60000
    effect: deny
  - id: list-then-force
    steps: [{ when: 'action.tool.startsWith("list_")' }, { when: 'action.command.contains(" --force")' }]
    effect: flag
  - id: fs-then-shell
    steps: [{ when: 'action.kind == "fs.write"' }, { when: 'action.kind == "shell"' }]
    within: 5
    effect: deny
limits:
  - id: tool-rate
    when: action.kind == "tool"
    max: 1000000
    per: 60s
    effect: deny
  - id: token-budget
    sum: usage.tokens
    max: 1000000000
    effect: kill
  - id: runaway
    repeat: 1000000
    effect: kill
flows:
  sources:
    - when: action.tool.startsWith("read_")
      labels: [pii]
    - when: action.kind == "http" && action.method == "GET"
      labels: [untrusted]
  sinks:
    - id: no-pii-out
      when: action.kind == "http" && action.method == "POST"
      forbid: [pii]
      scope: session
      effect: deny
    - id: no-pii-value
      when: action.kind == "shell"
      forbid: [pii]
      effect: deny
`.trim().split("\n");
