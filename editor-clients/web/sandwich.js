// Per-name totals of a flame graph: the top-frames list and the sandwich view (a name's
// callers above it, its callees below it), as speedscope shows them.
//
// Totals count a frame only when no ancestor has the same name, so a recursive name is
// not counted twice; self time is a frame's time minus its children's (at least 0).
// Times are real (collapsed idle gaps do not shrink them).

/** [{name, nameIdx, total, self, count}] sorted by total, one row per name. */
export function nameTotals(d) {
  const total = new Float64Array(d.strings.length);
  const self = new Float64Array(d.strings.length);
  const count = new Int32Array(d.strings.length);
  const childSum = new Float64Array(d.n);
  for (let i = d.n - 1; i > 0; i--) if (d.parent[i] >= 0) childSum[d.parent[i]] += d.rvalue[i];
  for (let i = 0; i < d.n; i++) {
    const nm = d.name[i];
    count[nm]++;
    self[nm] += Math.max(0, d.rvalue[i] - childSum[i]);
    if (!hasAncestorNamed(d, i, nm)) total[nm] += d.rvalue[i];
  }
  const out = [];
  for (let k = 0; k < d.strings.length; k++) {
    if (count[k]) out.push({ name: String(d.strings[k]), nameIdx: k, total: total[k], self: self[k], count: count[k] });
  }
  return out.sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
}

function hasAncestorNamed(d, i, nm) {
  for (let p = d.parent[i]; p >= 0; p = d.parent[p]) if (d.name[p] === nm) return true;
  return false;
}

/**
 * Sandwich of one name: {total, count, callers: [{name, total, count}], callees: [...]}.
 * A caller's total is the time of this name's frames it called directly; a callee's total
 * is the time of its frames called directly by this name.
 */
export function sandwich(d, nameIdx) {
  const callers = new Map();
  const callees = new Map();
  let total = 0;
  let count = 0;
  const add = (m, key, v) => {
    const e = m.get(key) || { name: String(d.strings[key] ?? ""), total: 0, count: 0 };
    e.total += v;
    e.count++;
    m.set(key, e);
  };
  for (let i = 0; i < d.n; i++) {
    if (d.name[i] === nameIdx) {
      count++;
      if (!hasAncestorNamed(d, i, nameIdx)) total += d.rvalue[i];
      const p = d.parent[i];
      if (p >= 0) add(callers, d.name[p], d.rvalue[i]);
    } else if (d.parent[i] >= 0 && d.name[d.parent[i]] === nameIdx) {
      add(callees, d.name[i], d.rvalue[i]);
    }
  }
  const sorted = (m) => [...m.values()].sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
  return { name: String(d.strings[nameIdx] ?? ""), total, count, callers: sorted(callers), callees: sorted(callees) };
}
