// Every line of the client's output is filed at its own level (not all [info]).
import assert from "node:assert/strict";
import { test } from "node:test";
import { classify } from "../common/loglevels";

test("client, server and traceback lines get their levels", () => {
  assert.deepEqual(classify("[Error - 10:02:03 AM] editor index failed: boom"), { level: "error", text: "editor index failed: boom" });
  assert.deepEqual(classify("[Warn  - 10:02:03] unknown setting sessionprof.x"), { level: "warn", text: "unknown setting sessionprof.x" });
  assert.deepEqual(classify("[Info  - 10:02:03] following transcripts in: /a"), { level: "info", text: "following transcripts in: /a" });
  assert.deepEqual(classify("2026-11-30 19:31:02,123 sessionprof WARNING cannot write discovery file"),
    { level: "warn", text: "cannot write discovery file" });
  assert.equal(classify("2026-11-30 19:31:02,123 pygls.protocol ERROR Failed to handle request").level, "error");
  assert.equal(classify("Traceback (most recent call last):").level, "error");
  assert.equal(classify('  File "x.py", line 3, in f', "error").level, "error");
  assert.equal(classify("ValueError: bad").level, "error");
  assert.equal(classify("plain words").level, "info");
  // a clean exit (restart) is not an error; a crash is
  assert.equal(classify("[Error - 20:03:01] Server process exited with code 0.").level, "info");
  assert.equal(classify("[Error - 20:03:01] Server process exited with code 1.").level, "error");
});
