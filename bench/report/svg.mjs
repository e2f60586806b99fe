// A small line chart as SVG text: enough for bench/RESULTS.md's two charts, with no plotting dependency
// (the charts are regenerated from JSON by `pnpm bench:report` and reviewed as text in diffs).

const W = 760;
const H = 360;
// Room for the axis labels and tick numbers (left, bottom) and the legend (right).
const PAD = { left: 64, right: 230, top: 36, bottom: 48 };
const COLORS = ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#57606a", "#e16f24", "#1b7c83"];

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/** Round numbers for ticks: 1, 2, 5 × powers of ten on linear axes; powers of ten on log axes. */
function ticks(min, max, log, unit) {
  if (log && unit === "bytes") {
    // Sizes read best in binary steps: 1 KiB, 4 KiB, 16 KiB, …
    const out = [];
    for (let e = Math.floor(Math.log(min) / Math.log(4)); e <= Math.ceil(Math.log(max) / Math.log(4)); e++) out.push(4 ** e);
    return out;
  }
  if (log) {
    const out = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e);
    return out;
  }
  const span = max - min || 1;
  const step0 = 10 ** Math.floor(Math.log10(span / 5));
  const step = [1, 2, 5, 10].map((m) => m * step0).find((s) => span / s <= 6) ?? step0 * 10;
  const out = [];
  for (let v = Math.floor(min / step) * step; v <= max + step / 2; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmtTick(v, unit = "") {
  if (v >= 1024 * 1024 && unit === "bytes") return `${v / (1024 * 1024)} MiB`;
  if (v >= 1024 && unit === "bytes") return `${v / 1024} KiB`;
  if (v >= 1000) return `${v / 1000}k`;
  return String(v);
}

/**
 * Renders series of (x, y) points as an SVG line chart.
 *
 * @example
 * lineChart({ title: "p50 by rule count", x: { label: "rules", log: true }, y: { label: "µs" },
 *   series: [{ name: "trailguard", points: [[10, 1.6], [100, 1.7], [1000, 1.9]] }] });
 */
export function lineChart({ title, x, y, series }) {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) throw new Error(`the chart \`${title}\` has no points`);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = y.log ? [Math.min(...ys), Math.max(...ys)] : [0, Math.max(...ys) * 1.1];
  const xt = ticks(x0, x1, x.log, x.unit);
  const yt = ticks(y0, y1, y.log, y.unit);
  const [xa, xb] = [x.log ? xt[0] : x0, x.log ? xt.at(-1) : x1];
  const [ya, yb] = [y.log ? yt[0] : 0, yt.at(-1)];
  const sx = (v) => PAD.left + ((x.log ? Math.log10(v) - Math.log10(xa) : v - xa) / ((x.log ? Math.log10(xb) - Math.log10(xa) : xb - xa) || 1)) * (W - PAD.left - PAD.right);
  const sy = (v) => H - PAD.bottom - ((y.log ? Math.log10(v) - Math.log10(ya) : v - ya) / ((y.log ? Math.log10(yb) - Math.log10(ya) : yb - ya) || 1)) * (H - PAD.top - PAD.bottom);
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${PAD.left}" y="22" font-size="14" font-weight="600">${esc(title)}</text>`);
  for (const t of xt) {
    const px = sx(t).toFixed(1);
    out.push(`<line x1="${px}" x2="${px}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#eaeef2"/>`);
    out.push(`<text x="${px}" y="${H - PAD.bottom + 16}" text-anchor="middle" fill="#57606a">${esc(fmtTick(t, x.unit))}</text>`);
  }
  for (const t of yt) {
    const py = sy(t).toFixed(1);
    out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${py}" y2="${py}" stroke="#eaeef2"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${py}" dy="4" text-anchor="end" fill="#57606a">${esc(fmtTick(t, y.unit))}</text>`);
  }
  out.push(`<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 10}" text-anchor="middle">${esc(x.label)}</text>`);
  out.push(`<text transform="translate(16 ${(PAD.top + H - PAD.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(y.label)}</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([a, b]) => `${sx(a).toFixed(1)},${sy(b).toFixed(1)}`).join(" ")}"/>`);
    for (const [a, b] of pts) out.push(`<circle cx="${sx(a).toFixed(1)}" cy="${sy(b).toFixed(1)}" r="3" fill="${color}"/>`);
    const ly = PAD.top + 8 + i * 18;
    out.push(`<line x1="${W - PAD.right + 12}" x2="${W - PAD.right + 30}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    out.push(`<text x="${W - PAD.right + 36}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
