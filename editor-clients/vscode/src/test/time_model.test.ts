// Issue 12: the status tooltip shows wall, active and idle time, and "not recorded" (with why)
// for a bucket the source cannot measure, never 0ms.
import assert from "node:assert/strict";
import { test } from "node:test";
import { statusText, statusTooltip, summaryCost } from "../common/format";
import type { Summary } from "../common/protocol";

const transcript: Summary = {
  sessionId: "s1",
  title: "spotter-tool_heavy",
  totalDuration: 108166,
  activeTime: 28245,
  idleTime: 79921,
  aiThinkingTime: 15300,
  toolExecutionTime: 1300,
  networkTime: null,
  userWaitTime: 0,
  notRecorded: { networkTime: "claude-code does not time network requests: API latency is inside AI time" },
  totalTokens: 106193,
  inputTokens: 54,
  outputTokens: 212,
  cacheReadTokens: 88231,
  cacheWriteTokens: 17696,
  totalCost: 0.2266,
  messageCount: 7,
  toolCallCount: 5,
  avgResponseTokens: 53,
};

test("wall, active and idle side by side", () => {
  assert.match(statusTooltip(transcript), /Time: 1m 48s \(28.2s active · 1m 20s idle\)/);
  assert.match(statusTooltip({ ...transcript, interrupted: true }), /idle · interrupted\)/);
});

test("network not recorded, with why, never 0ms", () => {
  const tip = statusTooltip(transcript);
  assert.match(tip, /network not recorded \(claude-code does not time network requests/);
  assert.doesNotMatch(tip, /network 0ms/);
  assert.match(statusTooltip({ ...transcript, networkTime: 11700 }), /network 11.7s/);
});

// The cost rule (issues 12/18): no usage recorded -> "not recorded" (never $0 or unknown price);
// the agent's own cost beside ours when they differ.
test("usage not recorded says so; the agent's cost beside ours", () => {
  const legacy = { ...transcript, totalTokens: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0,
    totalCost: null, costComplete: false,
    notRecorded: { totalTokens: "copilot-cli records no token counts for this session", totalCost: "no token counts, so no price" } };
  const tip = statusTooltip(legacy);
  assert.match(tip, /Tokens: not recorded \(copilot-cli records no token counts/);
  assert.match(tip, /Cost: not recorded \(no token counts, so no price\)/);
  assert.doesNotMatch(tip, /\$0|unknown|incomplete/);
  assert.equal(summaryCost(legacy), "not recorded");
  assert.equal(statusText(legacy), "$(pulse) tokens not recorded");
  const agent = { ...transcript, totalCost: 0.04, agentCost: 0.04, pricedCost: 0.193454, costDiffers: true };
  assert.match(statusTooltip(agent), /Cost: \$0\.040 \(agent \$0\.040 · priced \$0\.193\)/);
  assert.match(statusTooltip(transcript), /Cost: \$0\.227\n/);
});
