// Plain-text tables for the commands that print logs (`audit show`, `replay`).

// A cell past this many characters is cut with `…`, so that one long URL does not push the rest away.
const MAX_CELL = 48;

/**
 * The rows as lines of aligned columns, each as wide as its widest cell (up to 48 characters; longer
 * cells are cut with `…`). Columns listed in `uncut` are never cut: places and sentences.
 *
 * @example
 * table([["time", "effect"], ["2026-01-01T00:00:00.000Z", "allow"]]) // ["time                      effect", …]
 */
export function table(rows: readonly (readonly string[])[], uncut: readonly number[] = []): string[] {
  const widths = (rows[0] ?? []).map((_, c) => Math.min(uncut.includes(c) ? Infinity : MAX_CELL, Math.max(...rows.map((r) => r[c]!.length))));
  return rows.map((r) => r.map((cell, c) => fit(cell, widths[c]!)).join("  ").trimEnd());
}

function fit(cell: string, width: number): string {
  return cell.length > width ? `${cell.slice(0, width - 1)}…` : cell.padEnd(width);
}

/**
 * Logged text with control characters replaced by `?`: they must not move the terminal's cursor or
 * forge rows.
 *
 * @example
 * clean("a\nb") // "a?b"
 */
export function clean(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, "?");
}
