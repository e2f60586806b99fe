// The JSON Schema (2020-12) of an audit record, version 1, shipped as
// `@trailguard/core/schemas/audit-v1.json` too (schema.test.ts keeps the two equal). It describes exactly
// what shape.ts checks by hand; schema.test.ts runs both over the same records.

const HEX64 = { type: "string", pattern: "^[0-9a-f]{64}$" } as const;
const STRINGS = { type: "array", items: { type: "string" } } as const;

/**
 * The JSON Schema (draft 2020-12) of one audit record (one line of the log), format version 1.
 *
 * @example
 * import Ajv2020 from "ajv/dist/2020.js";
 * const valid = new Ajv2020().compile(AUDIT_SCHEMA)(JSON.parse(line));
 */
export const AUDIT_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://trailguard.dev/schemas/audit/v1.json",
  title: "trailguard audit record, version 1",
  description:
    "One line of a trailguard audit log (JSON Lines). `hash` is the SHA-256 (hex) of the record's RFC 8785 canonical JSON without `hash`; `prev` is the `hash` of the record before it (64 zeros for the first).",
  type: "object",
  additionalProperties: false,
  required: ["v", "seq", "type", "ts", "now", "prev", "hash"],
  properties: {
    v: { const: 1 },
    seq: { description: "Position in the chain, from 0, continuous across rotated files.", type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    type: { enum: ["decision", "result", "instruction", "plan", "reset", "approval", "policy", "checkpoint"] },
    ts: {
      description: "`now` as ISO 8601 (Date.prototype.toISOString).",
      type: "string",
      pattern: "^(?:\\d{4}|[+-]\\d{6})-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$",
    },
    now: { description: "The decision clock, ms since the epoch.", type: "number", minimum: -8.64e15, maximum: 8.64e15 },
    session: { type: "string" },
    agent: { type: "string" },
    adapter: { type: "string" },
    action: { $ref: "#/$defs/action" },
    effect: { enum: ["allow", "flag", "ask", "deny", "kill"] },
    rule: { type: "string" },
    code: { type: "string" },
    reason: { type: "string" },
    matched: STRINGS,
    labels: STRINGS,
    shadow: { description: "Present only in shadow mode: the effect was not enforced.", const: true },
    policy: { description: "SHA-256 of the canonical policy.", ...HEX64 },
    input: { description: "SHA-256 of the canonical action.", ...HEX64 },
    latency_us: { type: "number", minimum: 0 },
    event: { description: "The record type's own payload.", type: "object" },
    prev: HEX64,
    hash: HEX64,
  },
  allOf: [
    {
      if: { type: "object", required: ["type"], properties: { type: { const: "checkpoint" } } },
      then: {
        type: "object",
        required: ["event"],
        propertyNames: { enum: ["v", "seq", "type", "ts", "now", "event", "prev", "hash"] },
        properties: { event: { $ref: "#/$defs/checkpoint" } },
      },
      else: { type: "object", required: ["session", "policy"], properties: { session: { type: "string" }, policy: HEX64 } },
    },
    {
      if: { type: "object", required: ["type"], properties: { type: { const: "policy" } } },
      then: {
        type: "object",
        required: ["event"],
        properties: {
          event: {
            type: "object",
            required: ["from", "to"],
            properties: { from: HEX64, to: HEX64, reason: { type: "string" }, carried: STRINGS, dropped: STRINGS },
          },
        },
      },
    },
    {
      if: { type: "object", required: ["type"], properties: { type: { const: "approval" } } },
      then: {
        type: "object",
        required: ["event"],
        properties: {
          event: { type: "object", required: ["id", "state"], properties: { id: { type: "string" }, state: { type: "string" } } },
        },
      },
    },
    {
      if: { type: "object", required: ["type"], properties: { type: { const: "result" } } },
      then: {
        type: "object",
        properties: {
          event: {
            type: "object",
            properties: {
              output_hash: HEX64,
              labels: STRINGS,
              redacted: { description: "Spans the output rules replaced (present when some output rule applied).", type: "integer", minimum: 0, maximum: 9007199254740991 },
              redaction: { description: "`over`: a pattern ran out of scan steps and its string was redacted to the end; `withheld`: the whole output was.", enum: ["over", "withheld"] },
            },
          },
        },
      },
    },
  ],
  $defs: {
    action: {
      type: "object",
      additionalProperties: false,
      required: ["kind"],
      properties: {
        kind: { type: "string", minLength: 1 },
        tool: { type: "string" },
        target: { type: "string" },
        method: { type: "string" },
        url: { type: "string" },
        host: { type: "string" },
        port: { type: "integer", minimum: 0, maximum: 65535 },
        path: { type: "string" },
        query: { type: "string" },
        command: { type: "string" },
        program: { type: "string" },
        argv: STRINGS,
        file: { type: "string" },
        statement: { type: "string" },
        verb: { type: "string" },
        tables: STRINGS,
        origin: { type: "string" },
        labels: STRINGS,
        usage: {
          type: "object",
          additionalProperties: false,
          properties: { tokens: { type: "number" }, cost: { type: "number" } },
        },
        args_hash: { description: "SHA-256 of the canonical JSON of the whole `args`.", ...HEX64 },
        args: { description: "Only the argument fields the policy keeps in clear.", type: "object" },
      },
    },
    checkpoint: {
      description: "`signature`: Ed25519 (base64) over the UTF-8 bytes of `head`, the hash of the record before the checkpoint.",
      type: "object",
      additionalProperties: false,
      required: ["head", "signature", "key"],
      properties: {
        head: HEX64,
        signature: { type: "string", pattern: "^[A-Za-z0-9+/]{86}==$" },
        key: { type: "string", minLength: 1 },
      },
    },
  },
} as const;
