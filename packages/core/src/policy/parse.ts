// YAML → plain data, keeping a way back from any path to its line and column, so that every later
// problem (schema, expression, pattern) can be reported where the author wrote it.

import { LineCounter, parseDocument, isMap, isScalar, isSeq, type Node, Scalar } from "yaml";
import type { PolicyIssue } from "./issues.js";

/** Source positions for a parsed document. */
export interface SourceMap {
  /** Position of the value at `path` (or of the nearest existing ancestor). */
  locate(path: readonly (string | number)[]): { line: number; column: number } | undefined;
  /** Position of the key `path[path.length-1]` inside its mapping (for unknown-key errors). */
  locateKey(path: readonly (string | number)[]): { line: number; column: number } | undefined;
  /**
   * Position of character `offset` inside the string scalar at `path`, exact for plain and single-line
   * quoted scalars, the scalar's start otherwise (escapes and folding move characters around).
   */
  locateInString(path: readonly (string | number)[], offset: number): { line: number; column: number } | undefined;
}

/** The result of {@link parseYaml}. */
export interface ParsedYaml {
  value: unknown;
  errors: PolicyIssue[];
  source: SourceMap;
}

/**
 * Parses YAML text into plain data plus a {@link SourceMap}. Never throws.
 *
 * @example
 * const { value, errors, source } = parseYaml("version: 1\ndefault: deny\n");
 */
export function parseYaml(text: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const pos = (offset: number) => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const errors: PolicyIssue[] = doc.errors.map((e) => ({
    code: "parse_error",
    message: `yaml: ${firstLine(e.message).toLowerCase().replace(/\.$/, "")}`,
    path: [],
    ...pos(e.pos[0]),
  }));
  const nodeAt = (path: readonly (string | number)[]): { node: Node | null; depth: number } => {
    let node: unknown = doc.contents;
    let depth = 0;
    for (const key of path) {
      let next: unknown;
      if (isMap(node)) next = node.items.find((p) => isScalar(p.key) && p.key.value === key)?.value;
      else if (isSeq(node) && typeof key === "number") next = node.items[key];
      if (!next) break;
      node = next;
      depth++;
    }
    return { node: (node as Node) ?? null, depth };
  };
  const source: SourceMap = {
    locate(path) {
      const { node } = nodeAt(path);
      return node?.range ? pos(node.range[0]) : undefined;
    },
    locateKey(path) {
      const parent = nodeAt(path.slice(0, -1));
      const key = path[path.length - 1];
      if (parent.depth === path.length - 1 && isMap(parent.node)) {
        const pair = parent.node.items.find((p) => isScalar(p.key) && p.key.value === key);
        const k = pair?.key as Node | undefined;
        if (k?.range) return pos(k.range[0]);
      }
      return source.locate(path);
    },
    locateInString(path, offset) {
      const { node, depth } = nodeAt(path);
      if (!node?.range || depth !== path.length) return source.locate(path);
      if (isScalar(node) && typeof node.value === "string" && !node.value.includes("\n")) {
        const raw = text.slice(node.range[0], node.range[1]);
        if (node.type === Scalar.PLAIN) return pos(node.range[0] + offset);
        // Quoted: exact only when nothing before `offset` was escaped or folded.
        if (raw.length === node.value.length + 2 && !raw.includes("\\") && !raw.includes("''")) {
          return pos(node.range[0] + 1 + offset);
        }
      }
      return pos(node.range[0]);
    },
  };
  let value: unknown = null;
  if (errors.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      errors.push({ code: "parse_error", message: `yaml: ${firstLine(String((e as Error).message)).toLowerCase()}`, path: [] });
    }
  }
  return { value, errors, source };
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? s;
}
