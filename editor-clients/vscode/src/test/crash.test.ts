// The crash policy (issue 15): a server dying at start-up is reported once with its cause.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CrashPolicy, crashCause, crashMessage, MAX_RESTARTS, StderrTail, STARTUP_MS, WINDOW_MS } from "../common/crash";

test("crash: a server that dies before initialize is not restarted and reported once", () => {
  let t = 1000;
  const p = new CrashPolicy(() => t);
  p.started();
  t += 200;
  const first = p.closed();
  assert.equal(first.restart, false);
  assert.equal(first.notify, true);
  assert.equal(first.notify && first.kind, "startup");
  const again = p.closed();
  assert.deepEqual([again.restart, again.notify], [false, false]);
});

test("crash: a later crash restarts silently a bounded number of times, then one message", () => {
  let t = 0;
  const p = new CrashPolicy(() => t);
  const decisions = [];
  for (let i = 0; i < MAX_RESTARTS + 2; i++) {
    p.started();
    p.running();
    t += STARTUP_MS + 1000;
    decisions.push(p.closed());
  }
  assert.deepEqual(decisions.slice(0, MAX_RESTARTS).map((d) => [d.restart, d.notify]), Array(MAX_RESTARTS).fill([true, false]));
  const stop = decisions[MAX_RESTARTS];
  assert.equal(stop.restart, false);
  assert.equal(stop.notify && stop.kind, "repeated");
  assert.equal(decisions[MAX_RESTARTS + 1].notify, false);
});

test("crash: restarts older than the window are forgotten; reset clears a report", () => {
  let t = 0;
  const p = new CrashPolicy(() => t);
  for (let i = 0; i < MAX_RESTARTS * 3; i++) {
    p.started();
    p.running();
    t += WINDOW_MS / 2;
    assert.equal(p.closed().restart, true);
  }
  p.started();
  assert.equal(p.closed().notify, true);
  p.reset();
  p.started();
  assert.equal(p.closed().notify, true);
});

test("crash: a restarted server that dies at start-up is reported, not restarted", () => {
  let t = 0;
  const p = new CrashPolicy(() => t);
  p.started();
  p.running();
  t += STARTUP_MS * 5;
  assert.equal(p.closed().restart, true);
  p.started();
  t += 100;
  const d = p.closed();
  assert.equal(d.restart, false);
  assert.equal(d.notify && d.kind, "startup");
});

test("crash: the cause is Python's last line, not the traceback", () => {
  const tb = [
    "Traceback (most recent call last):",
    '  File "<frozen runpy>", line 198, in _run_module_as_main',
    "    import sessionprof_ls.server",
    "ModuleNotFoundError: No module named 'sessionprof_ls'",
    "",
  ].join("\n");
  assert.equal(crashCause(tb, 1), "ModuleNotFoundError: No module named 'sessionprof_ls'");
  assert.equal(crashCause("/usr/bin/python3: No module named sessionprof_ls\n", 1), "/usr/bin/python3: No module named sessionprof_ls");
  assert.equal(
    crashCause("  File \"x.py\", line 3\n    match x:\n          ^\nSyntaxError: invalid syntax\n", 1),
    "SyntaxError: invalid syntax",
  );
  assert.equal(crashCause("sessionprof-ls needs Python 3.11 or newer\n", 1), "sessionprof-ls needs Python 3.11 or newer");
  assert.equal(crashCause("", 3), "it exited with code 3 and wrote nothing to stderr");
  assert.equal(crashCause("", null, "SIGKILL"), "it was killed by SIGKILL and wrote nothing to stderr");
  assert.match(crashMessage("startup", "X: y"), /^SessionProf: the language server stopped at start-up: X: y$/);
});

test("crash: the stderr tail keeps the end and resets", () => {
  const tail = new StderrTail();
  tail.push("a".repeat(20_000));
  tail.push(Buffer.from("\nValueError: end\n"));
  assert.ok(tail.value.length <= 8000);
  assert.equal(crashCause(tail.value), "ValueError: end");
  tail.reset();
  assert.equal(tail.value, "");
});
