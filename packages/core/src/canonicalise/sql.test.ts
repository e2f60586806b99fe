import { describe, expect, it } from "vitest";
import { canonicaliseSql, canonicaliseSqlEveryReading, MAX_STATEMENTS } from "./sql.js";
import type { SqlStatement } from "./sql.js";

function statements(sql: string): SqlStatement[] {
  return canonicaliseSql(sql).statements;
}

function one(sql: string): SqlStatement {
  const found = statements(sql);
  expect(found).toHaveLength(1);
  const [statement] = found;
  if (statement === undefined) throw new Error("no statement");
  return statement;
}

describe("canonicaliseSql: text and comments", () => {
  it("collapses whitespace and trims", () => {
    expect(one("  select\n\t*   from  users  ")).toEqual({
      text: "select * from users",
      verb: "SELECT",
      tables: ["users"],
    });
  });

  it("replaces comments between keywords by one space", () => {
    expect(one("DROP/**/DATABASE prod")).toEqual({ text: "DROP DATABASE prod", verb: "DROP", tables: ["prod"] });
    expect(one("DROP/* a\nb */ TABLE -- x\n users")).toEqual({
      text: "DROP TABLE users",
      verb: "DROP",
      tables: ["users"],
    });
    // PostgreSQL reads `#` as an operator, so a second reading is reported too; the first is MySQL's.
    expect(statements("DROP # mysql comment\nTABLE t")[0]?.text).toBe("DROP TABLE t");
  });

  it("drops statements that are only comments", () => {
    expect(statements("-- nothing\n/* here */")).toEqual([]);
    expect(statements("")).toEqual([]);
    expect(statements(" ; ;; ")).toEqual([]);
  });

  it("keeps the content of MySQL executable comments as code", () => {
    expect(one("/*!50000 DROP */ TABLE x")).toEqual({ text: "DROP TABLE x", verb: "DROP", tables: ["x"] });
    expect(statements("SELECT 1 /*!; DROP TABLE y */").map((s) => s.verb)).toEqual(["SELECT", "DROP"]);
    expect(one("/*M!100100 TRUNCATE t */").tables).toEqual(["t"]);
  });

  it("leaves literals untouched", () => {
    expect(one("SELECT 'a   b -- c /* d */ ; e'  ,  \"x  y\"").text).toBe("SELECT 'a   b -- c /* d */ ; e' , \"x  y\"");
  });
});

describe("canonicaliseSql: stacked statements and quoting", () => {
  it("splits on semicolons outside quotes and drops empty statements", () => {
    expect(statements("SELECT 1;; DELETE FROM a; ").map((s) => [s.text, s.verb])).toEqual([
      ["SELECT 1", "SELECT"],
      ["DELETE FROM a", "DELETE"],
    ]);
  });

  it("keeps repeated identical statements", () => {
    expect(statements("SELECT 1; SELECT 1")).toHaveLength(2);
  });

  it.each([
    ["SELECT 'a;b' FROM t", "'...' with ;"],
    ["SELECT 'it''s; fine' FROM t", "'' escape"],
    ['SELECT "a;b" FROM t', "double quotes"],
    ["SELECT `a;b` FROM t", "backticks"],
    ["SELECT [a;b] FROM t", "brackets"],
    ["SELECT $$a;b$$ FROM t", "dollar quotes"],
    ["SELECT $fn$a;$$;b$fn$ FROM t", "tagged dollar quotes"],
  ])("does not split inside quotes: %s (%s)", (sql) => {
    expect(statements(sql)[0]).toEqual({ text: sql, verb: "SELECT", tables: ["t"] });
    expect(statements(sql).filter((s) => s.verb === "SELECT")).toHaveLength(1);
  });

  it("reads a backslash-escaped quote both ways, reporting what either dialect would run", () => {
    const found = statements("SELECT 'a\\'; DROP TABLE users; -- '");
    expect(found[0]).toEqual({ text: "SELECT 'a\\'; DROP TABLE users; -- '", verb: "SELECT", tables: [] });
    expect(found.map((s) => s.verb)).toContain("DROP");
    expect(found.find((s) => s.verb === "DROP")?.tables).toEqual(["users"]);
  });

  it("reports what MySQL runs after --x and what PostgreSQL runs after #", () => {
    expect(statements("SELECT 1--1; DROP TABLE t").map((s) => s.verb)).toContain("DROP");
    expect(statements("SELECT 1 # ; DROP TABLE t").map((s) => s.verb)).toContain("DROP");
  });

  it("reports statements hidden behind nested block comments", () => {
    expect(statements("/* /* */ DROP TABLE t; */ SELECT 1").map((s) => s.verb)).toContain("DROP");
  });

  it("analyses dollar-quoted bodies as code", () => {
    const found = statements("DO $$ BEGIN EXECUTE format('x'); DROP TABLE accounts; END $$");
    expect(found[0]?.verb).toBe("DO");
    expect(found.flatMap((s) => s.tables)).toContain("accounts");
  });
});

describe("canonicaliseSql: verb", () => {
  it.each([
    ["select 1", "SELECT"],
    ["  Insert into t values (1)", "INSERT"],
    ["(SELECT 1) UNION (SELECT 2)", "SELECT"],
    ["((select 1))", "SELECT"],
    ["WITH x AS (SELECT 1) SELECT * FROM x", "SELECT"],
    ["WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT n+1 FROM r) DELETE FROM t", "DELETE"],
    ["WITH a AS (SELECT 1), b AS MATERIALIZED (SELECT 2) UPDATE t SET x = 1", "UPDATE"],
    ["with a as not materialized (select (1)) insert into t select * from a", "INSERT"],
    ["WITH a AS (SELECT 1)", "WITH"],
    ["'x'", ""],
    ["/* c */ -- d\n truncate t", "TRUNCATE"],
  ])("%s → %s", (sql, verb) => {
    expect(one(sql).verb).toBe(verb);
  });
});

describe("canonicaliseSql: tables", () => {
  it.each([
    ["SELECT * FROM users", ["users"]],
    ["SELECT * FROM a, b AS bb, c cc WHERE 1", ["a", "b", "c"]],
    ["SELECT * FROM a JOIN b ON a.id = b.id LEFT OUTER JOIN c USING (id)", ["a", "b", "c"]],
    ["INSERT INTO Orders (id) VALUES (1)", ["orders"]],
    ["UPDATE LOW_PRIORITY accounts SET balance = 0", ["accounts"]],
    ["UPDATE a, b SET a.x = b.x", ["a", "b"]],
    ["DELETE FROM ONLY logs WHERE 1", ["logs"]],
    ["DROP TABLE IF EXISTS a, b CASCADE", ["a", "b"]],
    ["TRUNCATE x", ["x"]],
    ["TRUNCATE TABLE x", ["x"]],
    ["ALTER TABLE x ADD COLUMN y int", ["x"]],
    ["CREATE TABLE IF NOT EXISTS x (id int)", ["x"]],
    ["DROP DATABASE prod", ["prod"]],
    ["DROP SCHEMA IF EXISTS staging CASCADE", ["staging"]],
    ["DESCRIBE secrets", ["secrets"]],
    ["DESC secrets", ["secrets"]],
    ["SELECT a FROM t ORDER BY a DESC", ["t"]],
    ["SELECT * FROM (SELECT * FROM inner_t) s, outer_t", ["inner_t", "outer_t"]],
    ["SELECT * FROM t WHERE id IN (SELECT id FROM u)", ["t", "u"]],
    ["SELECT * INTO OUTFILE '/tmp/x' FROM t", ["t"]],
    ["INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE x = 1", ["t"]],
    ["SELECT * FROM t FOR UPDATE NOWAIT", ["t"]],
    ["SELECT 1", []],
  ])("%s → %j", (sql, tables) => {
    expect(one(sql).tables).toEqual(tables);
  });

  it("removes quotes and lower-cases identifiers", () => {
    expect(one('SELECT * FROM "Customers" JOIN `Orders` JOIN [Line Items]').tables).toEqual([
      "customers",
      "orders",
      "line items",
    ]);
    expect(one('SELECT * FROM "we""ird"').tables).toEqual(['we"ird']);
  });

  it("lists schema-qualified names both qualified and bare", () => {
    expect(one("DELETE FROM public.customers").tables).toEqual(["public.customers", "customers"]);
    expect(one('SELECT * FROM "Public" . "Customers"').tables).toEqual(["public.customers", "customers"]);
    expect(one("SELECT * FROM db.public.t").tables).toEqual(["db.public.t", "public.t", "t"]);
    expect(one("SELECT * FROM public/**/./**/customers").tables).toEqual(["public.customers", "customers"]);
  });

  it("lists each table once, in order of first appearance", () => {
    expect(one("SELECT * FROM b JOIN a ON 1 JOIN b ON 2, public.a").tables).toEqual(["b", "a", "public.a"]);
    expect(one("select * from t1 x join t2 y on x.a = y.a, secret").tables).toEqual(["t1", "t2", "secret"]);
    expect(one("DELETE FROM a USING b, c WHERE a.id = b.id").tables).toEqual(["a", "b", "c"]);
    expect(one("SELECT EXTRACT(YEAR FROM d), f(a, b) FROM t").tables).toEqual(["d", "t"]);
  });

  it("finds tables named after comments and inside CTEs", () => {
    expect(one("WITH x AS (SELECT * FROM secrets) DELETE FROM/**/audit").tables).toEqual(["secrets", "audit"]);
  });
});

describe("canonicaliseSql: totality", () => {
  it("never throws on hostile input", () => {
    const inputs = ["'", '"', "`", "[", "$$", "$a$", "/*", "/*!", "--", "#", "\\", "DROP TABLE", "((((", "WITH ("];
    inputs.push("FROM ,", "DESC", "UPDATE", "INTO OUTFILE", "a.", ".", "*/", "$1$", "E'\\", "`a``");
    for (const input of inputs) expect(() => canonicaliseSql(input)).not.toThrow();
    expect(canonicaliseSql(undefined as unknown as string)).toEqual({ statements: [] });
  });

  it("treats an unterminated literal as running to the end", () => {
    expect(one("SELECT 'abc; DROP TABLE t").text).toBe("SELECT 'abc; DROP TABLE t");
  });

  it("stays fast on large and nested input", () => {
    const start = Date.now();
    canonicaliseSql("SELECT a, 'b', \"c\" FROM t JOIN u ON 1; ".repeat(5000));
    canonicaliseSql("$a$".repeat(5000));
    canonicaliseSql("/*".repeat(50_000));
    canonicaliseSql("(".repeat(50_000));
    expect(Date.now() - start).toBeLessThan(3000);
  });

  it("is deterministic", () => {
    const sql = "WITH a AS (SELECT 1) DELETE FROM x.y; DROP/**/TABLE z # c";
    expect(canonicaliseSql(sql)).toEqual(canonicaliseSql(sql));
  });
});

describe("canonicaliseSql: more statements than it follows", () => {
  it("stops past MAX_STATEMENTS and says so, with the whole input as one verb-less statement", () => {
    const input = "SELECT 1;".repeat(MAX_STATEMENTS + 1);
    expect(canonicaliseSql(input)).toEqual({ statements: [{ text: input.trim(), verb: "", tables: [] }], overflow: true });
  });

  it("counts the statements of dollar-quoted bodies too", () => {
    const body = "DELETE FROM t;".repeat(MAX_STATEMENTS);
    expect(canonicaliseSql(`DO $$ ${body} $$; SELECT 1`).overflow).toBe(true);
  });

  it("reads an input of exactly MAX_STATEMENTS statements in full", () => {
    const sql = canonicaliseSql("SELECT 1;".repeat(MAX_STATEMENTS));
    expect(sql.overflow).toBeUndefined();
    expect(sql.statements).toHaveLength(MAX_STATEMENTS);
  });
});

describe("canonicaliseSql: one reading when the readings cannot differ", () => {
  // Fragments of SQL without `\`, `#`, `--` or `/*`, where the readings part ways: quotes of every kind,
  // dollar bodies, E-strings, brackets, stacked statements. A fixed-seed generator (an LCG: deterministic,
  // so a failure replays) strings them together.
  const FRAGMENTS = ["SELECT", "DELETE FROM", "DROP TABLE", "INSERT INTO", "WITH x AS (SELECT 1)", "a", "Users", "s.t", ",", ";", " ", "\n", "(", ")", "'it''s'", '"Q"', "`b`", "[c d]", "$$ DELETE FROM z; $$", "$f$ x $f$", "E'q'", "FROM", "JOIN", "- 1", "/ 2", "*"];
  let seed = 0x2545f491;
  const next = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };

  it("gives what every reading gives, on 2,000 generated inputs", () => {
    for (let k = 0; k < 2000; k++) {
      const input = Array.from({ length: 1 + next(24) }, () => FRAGMENTS[next(FRAGMENTS.length)]).join(next(2) ? " " : "");
      expect(canonicaliseSql(input), input).toEqual(canonicaliseSqlEveryReading(input));
    }
  });

  it("still reads under every reading when a mark is there", () => {
    // MySQL reads `#` as a comment, standard SQL does not: the second statement is seen by one reading only.
    expect(canonicaliseSql("SELECT 1 # ; DROP TABLE t").statements.map((s) => s.verb)).toContain("DROP");
  });
});
