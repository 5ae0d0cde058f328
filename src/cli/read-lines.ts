/**
 * A log read a chunk at a time, as bytes in a string (latin1: any byte survives), so that a
 * recording of any length is read in flat memory. Progress goes to stderr when it is a terminal.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const CHUNK = 1 << 20;

/**
 * Calls `each(line, lineNo)` for every line of `file` (`-`: stdin), numbered from 1, until it
 * returns false; returns how many lines it was given.
 */
export function forEachLine(file: string, each: (line: string, lineNo: number) => boolean | void, progress = process.stderr.isTTY === true): number {
  const fd = file === '-' ? 0 : openSync(file, 'r');
  const total = file === '-' ? 0 : fstatSync(fd).size;
  const buf = Buffer.allocUnsafe(CHUNK);
  let rest = '';
  let lineNo = 0;
  let done = 0;
  let shown = Date.now();
  try {
    let go = true;
    while (go) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      done += n;
      const text = rest + buf.toString('latin1', 0, n);
      let start = 0;
      for (let nl = text.indexOf('\n'); go && nl >= 0; nl = text.indexOf('\n', start)) {
        go = each(text.slice(start, nl), ++lineNo) !== false;
        start = nl + 1;
      }
      rest = go ? text.slice(start) : '';
      if (progress && Date.now() - shown > 500) {
        shown = Date.now();
        const pct = total > 0 ? ` (${Math.floor((done / total) * 100)}%)` : '';
        process.stderr.write(`\rfdwarden: ${lineNo} lines${pct}`);
      }
    }
    if (rest !== '') each(rest, ++lineNo);
  } finally {
    if (fd !== 0) closeSync(fd);
    if (progress) process.stderr.write('\r\x1b[K');
  }
  return lineNo;
}
