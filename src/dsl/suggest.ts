/** "Did you mean" hints: the closest candidate by edit distance, if it is close enough. */

/**
 * Edit distance counting a swap of two neighbours as one edit (so `raed` is one from
 * `read`); stops early once every path exceeds `max` and returns max + 1 then.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  let prevBest = 0;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let best = i;
    for (let j = 1; j <= n; j++) {
      const same = a.charCodeAt(i - 1) === b.charCodeAt(j - 1);
      let v = Math.min((prev[j - 1] ?? 0) + (same ? 0 : 1), (prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
        v = Math.min(v, (prev2[j - 2] ?? 0) + 1);
      }
      cur[j] = v;
      if (v < best) best = v;
    }
    // A swap reaches back two rows, so stop only when both rows are past `max`.
    if (best > max && prevBest > max) return max + 1;
    prevBest = best;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n] ?? max + 1;
}

/** The candidate closest to `word` (case-insensitively), or undefined when none is close. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  // Long words tolerate more typos; short ones only one.
  const max = Math.max(1, Math.floor(w.length / 3));
  let best: string | undefined;
  let bestD = max + 1;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase(), max);
    if (d < bestD) { best = c; bestD = d; }
  }
  return best;
}

/** `did you mean `x`?` for a help line, or undefined. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const c = closest(word, candidates);
  return c === undefined ? undefined : `did you mean \`${c}\`?`;
}
