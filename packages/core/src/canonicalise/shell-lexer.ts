/**
 * The shell tokenizer and parser (POSIX sh rules plus the bash syntax agents use): it turns a command line into
 * simple commands of words and redirections, parsing substitutions recursively as it meets them. Internal to the
 * shell canonicaliser.
 */

import { decodeAnsiC } from "./shell-ansi.js";
import { append, BACKTICK_SPECIAL, beyondLimit, charge, DOUBLE_SPECIAL, MAX_BRACE_NEST, MAX_COMMANDS, MAX_DEPTH, META, newCommand, TooManyCommands, WORD_SPECIAL } from "./shell-syntax.js";
import type { Command, Context, PendingHeredoc, Redirect, Specials, Word } from "./shell-syntax.js";
import type { ShellPart } from "./shell.js";

/**
 * Tokenizer and parser over one source string; nested `$(…)` share the string, other nesting gets its own.
 *
 * @example
 * const { commands } = new Parser("a | b; c", 0, ctx).parseList(false); // three commands
 */
export class Parser {
  pos: number;
  private braceNest = 0;
  private sink: ShellPart[] = [];

  constructor(
    private readonly src: string,
    private readonly depth: number,
    private readonly ctx: Context,
    start = 0,
  ) {
    this.pos = start;
  }

  private at(offset = 0): string {
    return this.src[this.pos + offset] ?? "";
  }

  private tick(): void {
    charge(this.ctx, 1);
  }

  /** Skips a run of characters not in `special`, charges it, and returns it (empty at a special character). */
  private run(special: Specials): string {
    const start = this.pos;
    const c = this.src.charCodeAt(start);
    if (c < 128 && special.table[c] === 1) return "";
    special.search.lastIndex = start;
    const end = special.search.test(this.src) ? special.search.lastIndex - 1 : this.src.length;
    charge(this.ctx, end - start);
    this.pos = end;
    return start === end ? "" : this.src.slice(start, end);
  }

  /** Parses commands until the end, or until the `)` closing a substitution when `untilParen`. */
  parseList(untilParen: boolean): { commands: Command[]; closed: boolean } {
    const commands: Command[] = [];
    const heredocs: PendingHeredoc[] = [];
    let cmd = newCommand();
    let parens = 0;
    let cases = 0;
    const finish = (): void => {
      if (cmd.words.length > 0 || cmd.redirects.length > 0 || cmd.subParts.length > 0) {
        this.ctx.commands = (this.ctx.commands ?? 0) + 1;
        if (this.ctx.commands > MAX_COMMANDS) throw new TooManyCommands();
        commands.push(cmd);
      }
      cmd = newCommand();
    };
    while (this.pos < this.src.length) {
      this.tick();
      const c = this.at();
      const start = this.pos;
      if (c === " " || c === "\t") this.pos++;
      else if (c === "\\" && this.at(1) === "\n") this.pos += 2;
      else if (c === "#") this.skipComment();
      else if (c === "\n") {
        finish();
        this.pos++;
        this.readHeredocs(heredocs);
      } else if (c === ";") {
        finish();
        this.pos++;
      } else if (c === "&" && this.at(1) !== ">") {
        finish();
        this.pos += this.at(1) === "&" ? 2 : 1;
      } else if (c === "|") {
        const upstream = cmd;
        finish();
        if (this.at(1) !== "|") cmd.pipedFrom = upstream;
        this.pos += this.at(1) === "|" || this.at(1) === "&" ? 2 : 1;
      } else if (c === "(") {
        // `((…))` is not special-cased as arithmetic: dash runs `((rm -rf /))` as nested subshells, so we read it so.
        if (this.functionDefinition(cmd)) continue;
        finish();
        parens++;
        this.pos++;
      } else if (c === ")") {
        finish();
        this.pos++;
        if (parens > 0) parens--;
        else if (cases === 0 && untilParen) return { commands, closed: true };
        // Otherwise a `case` pattern's `)` (or a stray one): only a separator.
      } else {
        this.sink = cmd.subParts;
        if (this.atRedirect()) this.lexRedirect(cmd, heredocs);
        else {
          const word = this.lexWord();
          if (cmd.words.length === 0 && word.raw === word.value) {
            if (word.value === "case") cases++;
            else if (word.value === "esac" && cases > 0) cases--;
          }
          cmd.words.push(word);
        }
        if (cmd.start < 0) cmd.start = start;
        cmd.end = this.pos;
      }
    }
    finish();
    if (untilParen) this.ctx.dynamic = true;
    return { commands, closed: false };
  }

  private skipComment(): void {
    const nl = this.src.indexOf("\n", this.pos);
    this.pos = nl < 0 ? this.src.length : nl;
  }

  /** `name()` or `function name()`: the name is defined, not run, so it must not become a part. */
  private functionDefinition(cmd: Command): boolean {
    const w = cmd.words;
    const named = w.length === 1 || (w.length === 2 && w[0]?.raw === "function");
    if (!named || cmd.redirects.length > 0) return false;
    let j = this.pos + 1;
    while (this.src[j] === " " || this.src[j] === "\t") j++;
    if (this.src[j] !== ")") return false;
    this.pos = j + 1;
    cmd.words = [];
    return true;
  }

  private atRedirect(): boolean {
    const c = this.at();
    if (c === "<" || c === ">") return this.at(1) !== "(";
    if (c === "&") return this.at(1) === ">";
    if (c < "0" || c > "9") return false;
    let j = this.pos;
    while (j < this.src.length && (this.src[j] ?? "") >= "0" && (this.src[j] ?? "") <= "9") j++;
    const d = this.src[j];
    return (d === "<" || d === ">") && this.src[j + 1] !== "(";
  }

  private lexRedirect(cmd: Command, heredocs: PendingHeredoc[]): void {
    while (this.at() >= "0" && this.at() <= "9") this.pos++;
    const ahead = this.src.slice(this.pos, this.pos + 3);
    const ops = ["&>>", "&>", "<<<", "<<-", "<<", "<&", "<>", ">>", ">&", ">|", "<", ">"];
    const op = ops.find((o) => ahead.startsWith(o)) ?? ahead.slice(0, 1);
    this.pos += op.length;
    while (this.at() === " " || this.at() === "\t") this.pos++;
    const c = this.at();
    const processSubstitution = (c === "<" || c === ">") && this.at(1) === "(";
    const target = c === "" || (META.has(c) && !processSubstitution) ? undefined : this.lexWord();
    const redirect: Redirect = { op, target };
    cmd.redirects.push(redirect);
    if ((op === "<<" || op === "<<-") && target !== undefined) {
      heredocs.push({
        redirect,
        command: cmd,
        delimiter: target.value,
        quoted: /['"\\]/.test(target.raw),
        stripTabs: op === "<<-",
      });
    }
  }

  /** Reads the bodies of here-documents opened on the line just ended. */
  private readHeredocs(pending: PendingHeredoc[]): void {
    for (const h of pending) {
      const lines: string[] = [];
      while (this.pos < this.src.length) {
        const nl = this.src.indexOf("\n", this.pos);
        const end = nl < 0 ? this.src.length : nl;
        let line = this.src.slice(this.pos, end);
        charge(this.ctx, line.length + 1);
        this.pos = nl < 0 ? end : nl + 1;
        if (h.stripTabs) line = line.replace(/^\t+/, "");
        if (line === h.delimiter) break;
        lines.push(line);
      }
      const body = lines.join("\n");
      h.redirect.body = body;
      // An unquoted delimiter means the body is expanded: its substitutions run.
      if (!h.quoted) {
        const scanner = new Parser(body, this.depth, this.ctx);
        scanner.sink = h.command.subParts;
        if (scanner.scanExpansions()) h.command.dynamic = true;
      }
    }
    pending.length = 0;
  }

  /** Finds the expansions in here-document text; true if there were any. */
  private scanExpansions(): boolean {
    let found = false;
    while (this.pos < this.src.length) {
      this.tick();
      const c = this.at();
      if (c === "\\") this.pos += 2;
      else if (c === "$") found = this.lexDollar(true).dynamic || found;
      else if (c === "`") {
        this.lexBacktick();
        found = true;
      } else this.pos++;
    }
    return found;
  }

  private lexWord(): Word {
    const start = this.pos;
    let value = "";
    let dynamic = false;
    let glob = false;
    let openBracket = false;
    let braceExpansion = false;
    // One flag per open `{`: whether a `,` or `..` makes it a brace expansion (`{rm,-rf,/}` runs `rm -rf /`).
    let braces: boolean[] | undefined;
    while (this.pos < this.src.length) {
      const plain = this.run(WORD_SPECIAL);
      if (plain !== "") {
        value += plain;
        continue;
      }
      if (this.pos >= this.src.length) break;
      this.tick();
      const c = this.at();
      if ((c === "<" || c === ">") && this.at(1) === "(") {
        value += this.substitution(this.pos, this.pos + 2);
        dynamic = true;
        continue;
      }
      if (META.has(c)) break;
      if (c === "\\") {
        const n = this.at(1);
        if (n === "") value += "\\";
        else if (n !== "\n") value += n;
        this.pos += n === "" ? 1 : 2;
      } else if (c === "'") {
        const end = this.src.indexOf("'", this.pos + 1);
        if (end < 0) {
          value += this.src.slice(this.pos + 1);
          this.pos = this.src.length;
          dynamic = true;
          this.ctx.dynamic = true;
        } else {
          charge(this.ctx, end - this.pos);
          value += this.src.slice(this.pos + 1, end);
          this.pos = end + 1;
        }
      } else if (c === '"') {
        const r = this.lexDouble();
        value += r.value;
        dynamic ||= r.dynamic;
      } else if (c === "`") {
        value += this.lexBacktick();
        dynamic = true;
      } else if (c === "$") {
        const r = this.lexDollar(false);
        value += r.value;
        dynamic ||= r.dynamic;
      } else {
        if (c === "{") (braces ??= []).push(false);
        else if (c === "}") braceExpansion = (braces?.pop() ?? false) || braceExpansion;
        else if (braces !== undefined && braces.length > 0 && (c === "," || (c === "." && this.at(1) === "."))) {
          braces[braces.length - 1] = true;
        }
        else if (c === "*" || c === "?") glob = true;
        else if (c === "[") openBracket = true;
        else if (c === "]" && openBracket) glob = true;
        value += c;
        this.pos++;
      }
    }
    return { value, raw: this.src.slice(start, this.pos), dynamic: dynamic || braceExpansion, glob };
  }

  private lexDouble(): { value: string; dynamic: boolean } {
    this.pos++;
    const value: string[] = [];
    let dynamic = false;
    while (this.pos < this.src.length) {
      const plain = this.run(DOUBLE_SPECIAL);
      if (plain !== "") {
        value.push(plain);
        continue;
      }
      if (this.pos >= this.src.length) break;
      this.tick();
      const c = this.at();
      if (c === '"') {
        this.pos++;
        return { value: value.join(""), dynamic };
      }
      if (c === "\\") {
        const n = this.at(1);
        if (n === "\n") this.pos += 2;
        else if (n === "$" || n === "`" || n === '"' || n === "\\") {
          value.push(n);
          this.pos += 2;
        } else {
          value.push(c);
          this.pos++;
        }
      } else if (c === "$") {
        const r = this.lexDollar(true);
        value.push(r.value);
        dynamic ||= r.dynamic;
      } else {
        value.push(this.lexBacktick());
        dynamic = true;
      }
    }
    this.ctx.dynamic = true;
    return { value: value.join(""), dynamic: true };
  }

  /** At `$`: an expansion (value = its source text, dynamic), ANSI-C or locale quoting, or a literal `$`. */
  private lexDollar(inDouble: boolean): { value: string; dynamic: boolean } {
    const start = this.pos;
    const n = this.at(1);
    const expansion = (): { value: string; dynamic: boolean } => ({
      value: this.src.slice(start, this.pos),
      dynamic: true,
    });
    if (n === "'" && !inDouble) return this.lexAnsiC();
    if (n === '"' && !inDouble) {
      this.pos++;
      return this.lexDouble();
    }
    if (n === "(") {
      if (this.at(2) === "(" && this.tryArithmetic(this.pos + 3)) return expansion();
      return { value: this.substitution(start, start + 2), dynamic: true };
    }
    if (n === "{") {
      this.braced(inDouble);
      return expansion();
    }
    if (n === "[") {
      this.pos += 2;
      this.skipBalanced("[", "]");
      return expansion();
    }
    if (/[A-Za-z_]/.test(n)) {
      this.pos += 2;
      while (/[A-Za-z0-9_]/.test(this.at())) this.pos++;
      return expansion();
    }
    if (n !== "" && "0123456789@*#?$!-".includes(n)) {
      this.pos += 2;
      return expansion();
    }
    this.pos++;
    return { value: "$", dynamic: false };
  }

  /** `$(…)`, `<(…)`, `>(…)`: parsed in place (sharing the source) and its commands added as parts. */
  private substitution(start: number, bodyStart: number): string {
    if (this.depth + 1 > MAX_DEPTH) {
      this.pos = bodyStart;
      this.skipBalanced("(", ")");
      beyondLimit(this.ctx);
    } else {
      const sub = new Parser(this.src, this.depth + 1, this.ctx, bodyStart);
      const { commands } = sub.parseList(true);
      this.pos = sub.pos;
      append(this.sink, this.ctx.resolve(commands, this.src, this.depth + 1));
    }
    return this.src.slice(start, this.pos);
  }

  /**
   * Arithmetic `$((…))` whose body starts at `bodyStart`. Bash falls back to a subshell when the body does
   * not close with `))`, so a failed attempt leaves no trace and returns false.
   */
  private tryArithmetic(bodyStart: number): boolean {
    if (this.depth + 1 > MAX_DEPTH) return false;
    const before = this.ctx.dynamic;
    const scratch = new Parser(this.src, this.depth + 1, this.ctx, bodyStart);
    const found: ShellPart[] = [];
    scratch.sink = found;
    if (!scratch.scanArithmetic()) {
      this.ctx.dynamic = before;
      return false;
    }
    this.pos = scratch.pos;
    append(this.sink, found);
    return true;
  }

  private scanArithmetic(): boolean {
    let depth = 0;
    while (this.pos < this.src.length) {
      this.tick();
      const c = this.at();
      if (c === "(") {
        depth++;
        this.pos++;
      } else if (c === ")") {
        if (depth > 0) {
          depth--;
          this.pos++;
        } else if (this.at(1) === ")") {
          this.pos += 2;
          return true;
        } else return false;
      } else if (c === "\\") this.pos += 2;
      else if (c === '"') this.lexDouble();
      else if (c === "$") this.lexDollar(true);
      else if (c === "`") this.lexBacktick();
      else this.pos++;
    }
    return false;
  }

  /** `${…}`: only its nested substitutions matter; single quotes count only outside double quotes, as in bash. */
  private braced(inDouble: boolean): void {
    this.pos += 2;
    if (this.braceNest >= MAX_BRACE_NEST) {
      this.skipBalanced("{", "}");
      beyondLimit(this.ctx);
      return;
    }
    this.braceNest++;
    let depth = 1;
    while (this.pos < this.src.length) {
      this.tick();
      const c = this.at();
      if (c === "}") {
        this.pos++;
        if (--depth === 0) {
          this.braceNest--;
          return;
        }
      } else if (c === "{") {
        depth++;
        this.pos++;
      } else if (c === "\\") this.pos += 2;
      else if (c === "'" && !inDouble) {
        const end = this.src.indexOf("'", this.pos + 1);
        this.pos = end < 0 ? this.src.length : end + 1;
      } else if (c === '"') this.lexDouble();
      else if (c === "$") this.lexDollar(true);
      else if (c === "`") this.lexBacktick();
      else this.pos++;
    }
    this.braceNest--;
    this.ctx.dynamic = true;
  }

  /** Non-recursive skip past a balanced group (the opener already consumed); used beyond the nesting limits. */
  private skipBalanced(open: string, close: string): void {
    let depth = 1;
    while (this.pos < this.src.length) {
      this.tick();
      const c = this.at();
      if (c === "\\") {
        this.pos += 2;
        continue;
      }
      if (c === "'" || c === '"' || c === "`") {
        const end = this.src.indexOf(c, this.pos + 1);
        this.pos = end < 0 ? this.src.length : end + 1;
        continue;
      }
      this.pos++;
      if (c === open) depth++;
      else if (c === close && --depth === 0) return;
    }
    this.ctx.dynamic = true;
  }

  /** At a backtick: the (unescaped) content is parsed as its own command line; returns the source text. */
  private lexBacktick(): string {
    const start = this.pos;
    this.pos++;
    const content: string[] = [];
    let closed = false;
    while (this.pos < this.src.length) {
      const plain = this.run(BACKTICK_SPECIAL);
      if (plain !== "") {
        content.push(plain);
        continue;
      }
      if (this.pos >= this.src.length) break;
      this.tick();
      const c = this.at();
      if (c === "`") {
        this.pos++;
        closed = true;
        break;
      }
      const n = this.at(1);
      if (c === "\\" && (n === "`" || n === "\\" || n === "$")) {
        content.push(n);
        this.pos += 2;
      } else {
        content.push(c);
        this.pos++;
      }
    }
    if (!closed) this.ctx.dynamic = true;
    append(this.sink, this.ctx.analyse(content.join(""), this.depth + 1));
    return this.src.slice(start, this.pos);
  }

  /** `$'…'`: decoded, not an expansion. */
  private lexAnsiC(): { value: string; dynamic: boolean } {
    const { value, end, closed } = decodeAnsiC(this.src, this.pos + 2);
    charge(this.ctx, end - this.pos);
    this.pos = end;
    if (!closed) this.ctx.dynamic = true;
    return { value, dynamic: !closed };
  }
}
