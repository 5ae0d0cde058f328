// A ~2 MB WALI module for start-up measurements (no large WALI program ships with the project):
// C generated here, FUNCS functions of mixed integer code reached through one table, compiled with
// clang --target=wasm32 against test/host/c/wali.h (cached by content under the temp directory).
// Its _start calls every 97th function, prints the sum and exits 0: a short run that touches a
// small part of the code, as a big program's short run does.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clangWasm } from '../scripts/wali-clang.mjs';

const HEADERS = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'host', 'c');
const FUNCS = 9000;

function source() {
  const parts = ['#include "wali.h"', 'typedef unsigned u32;'];
  for (let i = 0; i < FUNCS; i++) {
    const k = (Math.imul(i + 1, 2654435761) >>> 0) | 1;
    parts.push(`__attribute__((noinline)) static u32 f${i}(u32 x) {
  u32 a = x * ${k}u + ${i}u, b = x ^ ${k >>> 3}u;
  for (u32 j = 0; j < (x & 7u) + 1u; j++) { a ^= a << 13; a ^= a >> 17; a ^= a << 5; b += a * ${(k >>> 7) | 1}u; }
  switch ((a ^ b) & 7u) {
    case 0: return a + b * ${i % 251}u;
    case 1: return (a >> ${(i % 29) + 1}) ^ b;
    case 2: return a * b + ${k >>> 11}u;
    case 3: return (a | ${i}u) - (b & ${k >>> 5}u);
    case 4: return a / ((b & 255u) + 1u);
    case 5: return (a << ${(i % 13) + 1}) + (b >> 3);
    case 6: return a % ((b & 1023u) + 7u) + ${i}u;
    default: return ~a ^ (b * ${k >>> 9}u);
  }
}`);
  }
  parts.push(`static u32 (*const table[${FUNCS}])(u32) = {${Array.from({ length: FUNCS }, (_, i) => `f${i}`).join(',')}};`);
  parts.push(`void _start(void) {
  u32 sum = 0;
  for (u32 i = 0; i < ${FUNCS}u; i += 97u) sum += table[i](sum + i);
  kv("sum", sum & 0xffff);
  sys_exit_group(0);
}`);
  return parts.join('\n') + '\n';
}

/** The path of the large module, compiled when not cached. */
export function largeModule() {
  const src = source();
  const key = createHash('sha256').update(src).update('\0no wasm-opt').digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'fdwarden-bench-large');
  const out = join(dir, `large-${key}.wasm`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const c = join(dir, `large-${key}.c`);
  writeFileSync(c, src);
  const tmp = `${out}.${process.pid}.tmp`;
  clangWasm(tmp, [c], ['-ffreestanding', '-O1', `-I${HEADERS}`]);
  renameSync(tmp, out);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(largeModule());
