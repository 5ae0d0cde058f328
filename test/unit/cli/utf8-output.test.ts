/**
 * Paths are bytes: the strace reader decodes `\xc3\xa9` (and strace's octal `\303\251`) to the
 * two bytes of é, and audit and explain print a path as its UTF-8 text when the bytes are
 * valid, escaped when not, in text and in --json; never as mojibake (`Ã©`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../temp-dirs.js';
import { displayBytes } from '../../../src/strace/escapes.js';
import { parseArgs } from '../../../src/strace/args.js';
import { cli } from './capture.js';

const dir = tempDir('fdw-utf8-');
const policy = join(dir, 'u.policy');
writeFileSync(policy, 'policy "u" abi 1\ndefault deny errno EACCES\nallow read /tmp/é.txt\n');
const trace = join(dir, 'u.strace');
writeFileSync(trace, [
  '100 openat(AT_FDCWD, "/tmp/\\xc3\\xa9.txt", O_RDONLY) = 3',
  '100 read(3, "x", 1) = 1',
  '100 openat(AT_FDCWD, "/tmp/\\303\\251b.txt", O_RDONLY) = 4',
  '100 openat(AT_FDCWD, "/tmp/\\xff.txt", O_RDONLY) = 5',
  '',
].join('\n'));

describe('bytes for a person to read', () => {
  it('valid UTF-8 prints as its text; other bytes, control characters and backslashes as escapes', () => {
    expect(displayBytes('/tmp/\xc3\xa9.txt')).toBe('/tmp/é.txt');
    expect(displayBytes('/tmp/plain')).toBe('/tmp/plain');
    expect(displayBytes('/tmp/\xff.txt')).toBe('/tmp/\\xff.txt');
    expect(displayBytes('/tmp/\xc3\xa9\xff')).toBe('/tmp/\\xc3\\xa9\\xff');
    expect(displayBytes('/tmp/a\nb')).toBe('/tmp/a\\nb');
    expect(displayBytes('/tmp/a\\xffb')).toBe('/tmp/a\\\\xffb'); // a literal backslash never reads as an escape
    expect(displayBytes('/tmp/\xc2\x85')).toBe('/tmp/\\xc2\\x85'); // U+0085 is a control character
  });

  it('the reader decodes hex and octal escapes to the same bytes', () => {
    const [hex] = parseArgs('"/tmp/\\xc3\\xa9.txt"');
    const [oct] = parseArgs('"/tmp/\\303\\251.txt"');
    expect(Buffer.from(hex!.str!).toString('latin1')).toBe('/tmp/\xc3\xa9.txt');
    expect(Buffer.from(oct!.str!)).toEqual(Buffer.from(hex!.str!));
  });
});

describe('audit and explain print UTF-8', () => {
  it('explain of a call written with é: the object, the steps and the fix read é', async () => {
    const r = await cli('explain', '--policy', policy, 'openat(AT_FDCWD, "/tmp/éb.txt", O_RDONLY)');
    expect(r.stdout).toContain('object /tmp/éb.txt [reg]');
    expect(r.stdout).toContain('resolved: + éb.txt');
    expect(r.stdout).toContain('would allow it: allow read /tmp/éb.txt');
    expect(r.stdout).not.toContain('Ã');
    const ok = await cli('explain', '--policy', policy, 'openat(AT_FDCWD, "/tmp/\\xc3\\xa9.txt", O_RDONLY)');
    expect(ok.stdout).toMatch(/^openat: allowed\n {2}object \/tmp\/é\.txt/);
  });

  it('audit text and --json: the rule naming é allows the recorded é, others are shown as text or escapes', async () => {
    const text = await cli('audit', '--policy', policy, '--fs', 'empty', '--cwd', '/', trace);
    expect(text.status).toBe(3);
    expect(text.stdout).toContain('object /tmp/éb.txt');
    expect(text.stdout).toContain('object /tmp/\\xff.txt');
    expect(text.stdout).not.toContain('Ã');
    const json = JSON.parse((await cli('audit', '--policy', policy, '--fs', 'empty', '--cwd', '/', '--json', trace)).stdout);
    expect(Object.keys(json.perRight.read).sort()).toEqual(['/tmp/\\xff.txt', '/tmp/é.txt', '/tmp/éb.txt']);
    expect(json.perRight.read['/tmp/é.txt']).toEqual({ allowed: 2, denied: 0 });
    expect(json.denials.map((d: { explanation: { fix: string } }) => d.explanation.fix)).toEqual(['allow read /tmp/éb.txt', 'allow read /tmp/\\xff.txt']);
  });
});
