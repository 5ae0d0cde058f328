import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRNO } from '../../src/linux/index.js';
import { ERRNO_TEXT } from '../../src/lsp/errno-text.js';

describe('errno texts', () => {
  it("are glibc's strerror on Linux, for every errno a program can see", () => {
    const numbers = Object.values(ERRNO).filter((n) => n < 512);
    const dir = mkdtempSync(join(tmpdir(), 'fdw-strerror-'));
    try {
      writeFileSync(join(dir, 's.c'), `#include <stdio.h>\n#include <string.h>\nint main(void) {\n  int n[] = {${numbers.join(',')}};\n  for (unsigned i = 0; i < sizeof n / sizeof *n; i++) printf("%d\\t%s\\n", n[i], strerror(n[i]));\n  return 0;\n}\n`);
      execFileSync('cc', ['-o', join(dir, 's'), join(dir, 's.c')]);
      const native = new Map(execFileSync(join(dir, 's'), { encoding: 'utf8' }).trim().split('\n').map((l) => {
        const [n, text] = l.split('\t');
        return [Number(n), text!] as const;
      }));
      for (const [name, n] of Object.entries(ERRNO)) {
        if (n < 512) expect(ERRNO_TEXT[name as keyof typeof ERRNO], name).toBe(native.get(n));
        else expect(ERRNO_TEXT[name as keyof typeof ERRNO], name).toMatch(/^kernel-internal/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
