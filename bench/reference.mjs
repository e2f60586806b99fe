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
export function referencePolicy(n = 100) {
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
  const yaml = [
    "version: 1",
    `name: reference-${n}`,
    "default: deny",
    "sets:",
    ...Object.entries(sets).map(([k, v]) => `  ${k}: [${v.join(", ")}]`),
    "rules:",
    ...rules.flatMap((r) => [`  - id: ${r.id}`, `    when: '${r.when.replaceAll("'", "''")}'`, `    effect: ${r.effect}`]),
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
