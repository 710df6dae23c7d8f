// The display-format table every client shares (sessionprof_ls/format_cases.json; the
// Python reference, format.lua and the web's format.js run the same cases from pytest).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import * as F from "../common/format";

type Case = [number | null, string];
type Cases = Record<"duration" | "cost" | "int" | "tokens" | "percent", Case[]> & { words: Record<string, string> };

// out/test/format_cases.test.js -> the repository root is four levels up.
const CASES: Cases = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, "..", "..", "..", "..", "sessionprof_ls", "format_cases.json"), "utf8"),
);

const FORMATTERS: Record<keyof Omit<Cases, "words">, (v: number | null) => string> = {
  duration: F.formatDuration,
  cost: F.formatCost,
  int: (v) => (v === null ? F.NOT_RECORDED : F.formatInt(v)),
  tokens: F.formatTokens,
  percent: F.formatPercent,
};

for (const [kind, format] of Object.entries(FORMATTERS)) {
  test(`format cases: ${kind}`, () => {
    const cases = CASES[kind as keyof typeof FORMATTERS];
    assert.ok(cases.length > 0);
    assert.deepEqual(
      cases.map(([input]) => format(input)),
      cases.map(([, want]) => want),
    );
  });
}

test("format cases: shared words", () => {
  assert.deepEqual(CASES.words, { notRecorded: F.NOT_RECORDED, interrupted: F.INTERRUPTED, priceUnknown: F.PRICE_UNKNOWN });
});
