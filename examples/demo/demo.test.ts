// The demo's policy tests run with the rest of the suite, so the README's example stays true.
import { it, expect } from "vitest";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { main } from "../../packages/cli/src/main.js";

it("the demo policy passes its own tests", async () => {
  const out: string[] = [];
  const file = fileURLToPath(new URL("./policy.test.yaml", import.meta.url));
  const code = await main(["test", file], { out: (l) => out.push(l), err: (l) => out.push(l), readFile: (p) => readFile(p, "utf8") });
  expect(out.at(-1)).toBe("6 passed, 0 failed");
  expect(code).toBe(0);
});
