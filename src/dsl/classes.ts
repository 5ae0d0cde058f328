/**
 * Where a `[...]` character class ends. Variable and brace expansion skip classes whole (so
 * `[$]` and `[{]` are literal characters), and glob validation checks them; all three must
 * agree on the extent, so it is decided here once.
 */

/**
 * Index just past the `]` closing the class that opens at `text[i] === '['`, or -1 when it
 * does not close before a `/` or the end. A `]` right after `[`, `[!` or `[^` is a member.
 */
export function classEnd(text: string, i: number): number {
  let j = i + 1;
  const c = text.charCodeAt(j);
  if (c === 0x21 || c === 0x5e) j++;
  if (text.charCodeAt(j) === 0x5d) j++;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === 0x5d) return j + 1;
    if (d === 0x2f) return -1;
    j++;
  }
  return -1;
}
