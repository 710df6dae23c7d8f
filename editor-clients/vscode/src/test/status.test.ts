// The status bar text and the terminal environment.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatCost, formatDuration, formatInt, statusText, statusTooltip } from "../common/format";
import type { Summary } from "../common/protocol";
import { terminalEnvironment } from "../common/terminal";

const summary: Summary = {
  sessionId: "s1",
  title: "Debug auth",
  totalDuration: 2832000,
  aiThinkingTime: 1754000,
  toolExecutionTime: 708000,
  networkTime: 370000,
  userWaitTime: 0,
  totalTokens: 23955,
  inputTokens: 15234,
  outputTokens: 8721,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  totalCost: 0.014287,
  messageCount: 12,
  toolCallCount: 8,
  avgResponseTokens: 1996,
};

test("status text as in the spec", () => {
  assert.equal(statusText(summary), "$(pulse) 23,955 tk · $0.014");
  assert.equal(statusText({ ...summary, totalCost: null }), "$(pulse) 23,955 tk");
  assert.match(statusTooltip(summary), /Debug auth/);
  assert.match(statusTooltip({ ...summary, totalCost: null }), /unknown/);
});

test("formatting", () => {
  assert.equal(formatInt(1234567.4), "1,234,567");
  assert.equal(formatCost(0.004), "$0.004");
  assert.equal(formatCost(0.00001), "<$0.001");
  assert.equal(formatCost(12.345), "$12.345");
  assert.equal(formatCost(0), "$0.000");
  assert.equal(formatCost(null), "price unknown");
  assert.equal(formatDuration(252000), "4m 12s");
  assert.equal(formatDuration(950), "950ms");
  assert.equal(formatDuration(3723000), "1h 02m");
});

test("terminal environment: endpoint always, OpenTelemetry behind the setting", () => {
  const ep = { url: "http://127.0.0.1:4318/", token: "t0k/en+=" };
  assert.deepEqual(terminalEnvironment(ep, false), { SESSIONPROF_URL: "http://127.0.0.1:4318", SESSIONPROF_TOKEN: "t0k/en+=" });
  const env = terminalEnvironment(ep, true);
  assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, "http://127.0.0.1:4318");
  assert.equal(env.OTEL_EXPORTER_OTLP_PROTOCOL, "http/json");
  assert.equal(env.OTEL_EXPORTER_OTLP_HEADERS, "Authorization=Bearer%20t0k%2Fen%2B%3D");
  assert.equal(env.CLAUDE_CODE_ENABLE_TELEMETRY, "1");
  assert.equal(env.OTEL_LOGS_EXPORTER, "otlp");
  assert.equal(env.OTEL_METRICS_EXPORTER, "otlp");
});
