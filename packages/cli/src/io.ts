// The CLI's only contact with the outside world, so that commands are testable with in-memory streams.

/** Where a command writes and how it reads files. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  readFile(path: string): Promise<string>;
}
