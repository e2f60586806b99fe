#!/usr/bin/env node
import { readFile } from "node:fs/promises";
import { main } from "./main.js";

const code = await main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  readFile: (path) => readFile(path, "utf8"),
});
process.exitCode = code;
