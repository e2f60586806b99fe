import { describe, it, expect } from "vitest";
// @ts-expect-error: a plain ESM module of the bench, without type declarations
import { lineChart } from "./svg.mjs";

describe("lineChart", () => {
  const chart = (log: boolean) =>
    lineChart({
      title: "p50 <by> rules",
      x: { label: "rules", log: true },
      y: { label: "µs", log },
      series: [
        { name: "a", points: [[10, 1], [1000, 4], [100, 2]] },
        { name: "b & c", points: [[10, 3]] },
      ],
    }) as string;

  it("draws each series as a line through its points in x order, with a legend entry", () => {
    const svg = chart(false);
    const lines = [...svg.matchAll(/<polyline[^>]*points="([^"]+)"/g)].map((m) => m[1]!.split(" ").map((p) => Number(p.split(",")[0])));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toHaveLength(3);
    expect(lines[0]).toEqual([...lines[0]!].sort((a, b) => a - b));
    expect(svg).toContain(">b &amp; c</text>");
    expect(svg).toContain("p50 &lt;by&gt; rules");
  });

  it("puts log ticks on powers of ten", () => {
    const svg = chart(true);
    for (const t of [">10<", ">100<", ">1k<"]) expect(svg).toContain(t);
  });

  it("refuses a chart with no points", () => {
    expect(() => lineChart({ title: "empty", x: { label: "x" }, y: { label: "y" }, series: [{ name: "a", points: [] }] })).toThrow("no points");
  });
});
