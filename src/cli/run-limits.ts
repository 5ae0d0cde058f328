/** `fdwarden run --timeout SECONDS --memory-limit SIZE`: the option values and what they bound. */
import { WASM32_MAX_PAGES } from '../wali/memory-limits.js';
import { WASM_PAGE } from '../wali/wasm.js';
import { UsageError } from './options.js';

const MIB = 1024 * 1024;
const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: MIB, g: 1024 * MIB };

/**
 * The host's JS heap for a guest is never limited below this: the policy engine, the model and
 * the host need about 10 MiB before the guest runs, and a guest's memory limit is no reason to
 * starve them.
 */
export const MIN_HEAP_MIB = 64;

/** setTimeout's longest delay (2^31 - 1 ms) in whole seconds: a longer one would fire at once. */
export const MAX_TIMEOUT_SECONDS = 2147483;

export interface RunLimits {
  /** Wall-clock seconds before the guest is stopped. */
  timeoutSeconds?: number;
  /** Linear memory, in 64 KiB pages. */
  maxMemoryPages?: number;
  /** The host's JS heap for the guest (V8's old generation), in MiB. */
  heapMib?: number;
}

/** `SIZE` as bytes: a whole number with an optional K, M or G (powers of 1024; `KiB`, `MB` ... too). */
export function parseSize(text: string, option: string): number {
  const m = /^(\d+)\s*([kmg]?)(?:i?b)?$/i.exec(text.trim());
  const bytes = m ? Number(m[1]) * UNITS[m[2]!.toLowerCase()]! : NaN;
  if (!Number.isSafeInteger(bytes)) throw new UsageError(`${option} takes a size like 512K, 256M or 1G, not '${text}'`);
  return bytes;
}

/** `SECONDS` as a number: positive, fractions allowed, at most MAX_TIMEOUT_SECONDS. */
export function parseSeconds(text: string, option: string): number {
  const s = /^\d+(\.\d*)?$|^\.\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(s > 0)) throw new UsageError(`${option} takes a positive number of seconds, not '${text}'`);
  if (s > MAX_TIMEOUT_SECONDS) throw new UsageError(`${option} is at most ${MAX_TIMEOUT_SECONDS} seconds (24 days), not ${text}`);
  return s;
}

/**
 * What `--memory-limit SIZE` bounds: linear memory to whole pages within SIZE (at least one,
 * at most wasm32's 4 GiB), and the host's JS heap for the guest to SIZE, but never below
 * MIN_HEAP_MIB.
 */
export function memoryLimits(bytes: number, option: string): Pick<RunLimits, 'maxMemoryPages' | 'heapMib'> {
  const pages = Math.floor(bytes / WASM_PAGE);
  if (pages < 1) throw new UsageError(`${option} must allow at least one 64K page of memory, not ${bytes} bytes`);
  if (pages > WASM32_MAX_PAGES) throw new UsageError(`${option} is at most 4G (a wasm32 memory's limit)`);
  return { maxMemoryPages: pages, heapMib: Math.max(MIN_HEAP_MIB, Math.ceil(bytes / MIB)) };
}

/** The limits the options ask for; absent options bound nothing. */
export function parseLimits(timeout: string | undefined, memory: string | undefined): RunLimits {
  return {
    ...(timeout !== undefined ? { timeoutSeconds: parseSeconds(timeout, '--timeout') } : {}),
    ...(memory !== undefined ? memoryLimits(parseSize(memory, '--memory-limit'), '--memory-limit') : {}),
  };
}
