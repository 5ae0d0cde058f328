/**
 * How `fdwarden run` names an ending (src/cli/run-endings.ts) and reads its limits
 * (src/cli/run-limits.ts): every thrown value gets a status and exactly one line; an internal
 * error shows its JS stack only with FDWARDEN_DEBUG=1.
 */
import { describe, expect, test } from 'vitest';
import { HostSetupError, WaliExit, WaliTrap } from '../../../src/host/index.js';
import { EXIT, internalError, oneLine, report } from '../../../src/cli/run-endings.js';
import { endingOf } from '../../../src/cli/run-failures.js';
import { MIN_HEAP_MIB, parseLimits, parseSeconds, parseSize } from '../../../src/cli/run-limits.js';
import { UsageError } from '../../../src/cli/options.js';
import { MemoryLimitError } from '../../../src/wali/memory-limits.js';
import { WA, WaliModuleError } from '../../../src/wali/wasm.js';

function printed(e: unknown, debug?: string): { status: number; text: string } {
  const saved = process.env['FDWARDEN_DEBUG'];
  if (debug === undefined) delete process.env['FDWARDEN_DEBUG'];
  else process.env['FDWARDEN_DEBUG'] = debug;
  let text = '';
  try {
    const status = report(endingOf(e, 'p.wasm'), (t) => (text += t));
    return { status, text };
  } finally {
    if (saved === undefined) delete process.env['FDWARDEN_DEBUG'];
    else process.env['FDWARDEN_DEBUG'] = saved;
  }
}

describe('endingOf', () => {
  test('the guest\'s exit is its status, silently', () => {
    expect(printed(new WaliExit(7))).toEqual({ status: 7, text: '' });
  });

  test('traps are 134 with their reason', () => {
    expect(printed(new WaliTrap('longjmp is not supported by this host'))).toEqual({ status: EXIT.trap, text: 'fdwarden run: p.wasm trapped: longjmp is not supported by this host\n' });
    const overflow = new RangeError('Maximum call stack size exceeded');
    overflow.stack = 'RangeError: Maximum call stack size exceeded\n    at f (wasm://wasm/ab:wasm-function[3]:0x10)\n    at g (wasm://wasm/ab:wasm-function[4]:0x20)';
    expect(printed(overflow).text).toBe('fdwarden run: p.wasm trapped: stack overflow (in f (wasm://wasm/ab:wasm-function[3]:0x10))\n');
    const boundary = new TypeError('Cannot convert a BigInt value to a number');
    boundary.stack = 'TypeError: Cannot convert a BigInt value to a number\n    at wasm://wasm/ab:wasm-function[1]:0x4a\n    at x (file:///x.js:1:1)';
    expect(printed(boundary)).toEqual({ status: EXIT.trap, text: 'fdwarden run: p.wasm trapped: type mismatch at an import: Cannot convert a BigInt value to a number (in wasm://wasm/ab:wasm-function[1]:0x4a)\n' });
  });

  test('a TypeError thrown by JS code is fdwarden\'s own: an internal error, not a trap', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    bug.stack = `TypeError: ${bug.message}\n    at hostCall (file:///dist/host/x.js:1:1)\n    at wasm://wasm/ab:wasm-function[1]:0x4a`;
    const { status, text } = printed(bug);
    expect(status).toBe(EXIT.error);
    expect(text).toBe("fdwarden run: internal error: TypeError: Cannot read properties of undefined (reading 'x') (FDWARDEN_DEBUG=1 prints the JS stack)\n");
  });

  test('an internal error prints its JS stack only with FDWARDEN_DEBUG=1', () => {
    const e = new Error('boom\nsecond line');
    expect(printed(e).text).toBe('fdwarden run: internal error: Error: boom second line (FDWARDEN_DEBUG=1 prints the JS stack)\n');
    const debug = printed(e, '1').text.split('\n');
    expect(debug[0]).toBe('fdwarden run: internal error: Error: boom second line (FDWARDEN_DEBUG=1 prints the JS stack)');
    expect(debug.slice(1).join('\n')).toContain(e.stack!.split('\n').slice(-1)[0]);
    expect(printed('not an error')).toEqual({ status: EXIT.error, text: 'fdwarden run: internal error: a non-error was thrown: not an error (FDWARDEN_DEBUG=1 prints the JS stack)\n' });
  });

  test('refusals are status 1 with their reason', () => {
    expect(printed(new HostSetupError('two mounts at /w'))).toEqual({ status: 1, text: 'fdwarden run: two mounts at /w\n' });
    expect(printed(new WaliModuleError('the module exports no _start')).text).toBe('fdwarden run: p.wasm is not a WALI program this host can run: the module exports no _start\n');
    expect(printed(new MemoryLimitError(21, 16)).text).toMatch(/is not a WALI program this host can run: it needs 21 pages/);
    expect(printed(new RangeError('WebAssembly.Instance(): Out of memory: Cannot allocate Wasm memory for new instance')).status).toBe(1);
    let compileError: unknown;
    try {
      new WA.Module(new Uint8Array([1, 2, 3]));
    } catch (e) {
      compileError = e;
    }
    expect(printed(compileError).text).toMatch(/^fdwarden run: p\.wasm is not a WALI program this host can run: .*\n$/);
  });

  test('one line, whatever the message holds', () => {
    expect(oneLine('a\n  b\r\nc\n')).toBe('a b c');
    expect(report(internalError('x\ny'), () => undefined)).toBe(EXIT.error);
  });
});

describe('run limits', () => {
  test('sizes', () => {
    expect(parseSize('65536', '--m')).toBe(65536);
    expect(parseSize('512K', '--m')).toBe(512 * 1024);
    expect(parseSize('256m', '--m')).toBe(256 * 1024 * 1024);
    expect(parseSize('1GiB', '--m')).toBe(2 ** 30);
    expect(parseSize('2MB', '--m')).toBe(2 * 2 ** 20);
    for (const bad of ['', 'M', '1.5G', '-1M', '1T', '1 G B']) expect(() => parseSize(bad, '--m')).toThrow(UsageError);
  });

  test('seconds', () => {
    expect(parseSeconds('2', '--t')).toBe(2);
    expect(parseSeconds('0.25', '--t')).toBe(0.25);
    expect(parseSeconds('.5', '--t')).toBe(0.5);
    for (const bad of ['0', '0.0', '-1', '1e3', 'Infinity', 'NaN', '', '1s', '2147484']) expect(() => parseSeconds(bad, '--t')).toThrow(UsageError);
  });

  test('--memory-limit bounds linear memory to whole pages and the host heap to SIZE, never below the floor', () => {
    expect(parseLimits(undefined, undefined)).toEqual({});
    expect(parseLimits('1.5', '1G')).toEqual({ timeoutSeconds: 1.5, maxMemoryPages: 16384, heapMib: 1024 });
    expect(parseLimits(undefined, '100000')).toEqual({ maxMemoryPages: 1, heapMib: MIN_HEAP_MIB });
    expect(parseLimits(undefined, '4G')).toEqual({ maxMemoryPages: 65536, heapMib: 4096 });
    expect(() => parseLimits(undefined, '65535')).toThrow(/at least one 64K page/);
    expect(() => parseLimits(undefined, '4097M')).toThrow(/at most 4G/);
  });
});
