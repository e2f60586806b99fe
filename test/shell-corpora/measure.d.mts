// Types of measure.mjs, for recall.test.ts.

export interface Case {
  corpus: "dcg" | "safety_net";
  group: string;
  source: string;
  description: string;
  command: string;
  expected: "allow" | "deny";
  excluded?: string;
}

export interface DecidedCase extends Case {
  effect: "allow" | "flag" | "ask" | "deny" | "kill";
  rule: string | null;
  code: string;
  blocked: boolean;
}

export interface Tally {
  deny: number;
  caught: number;
  asked: number;
  allow: number;
  falsePositives: number;
  recall: number | null;
  falsePositiveRate: number | null;
}

export interface Figures {
  corpora: Record<string, { total: Tally; groups: Record<string, Tally>; excluded: number }>;
  misses: DecidedCase[];
  falsePositives: DecidedCase[];
  cases: DecidedCase[];
}

export const POLICY: string;
export function loadCases(): Case[];
export function measure(): Promise<Figures>;
