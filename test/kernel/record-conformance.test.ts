/**
 * Records spec/conformance/kernel-programs.json: generated programs with what the real kernel
 * answered after every step. Runs only when FDWARDEN_RECORD=1 (scripts/record-conformance.sh);
 * the file is never edited by hand.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { programArb } from './arbitraries.js';
import { runOnKernelBatch } from './kernel-runner.js';

const OUT = join(import.meta.dirname, '../../spec/conformance/kernel-programs.json');
const SEED = 20261124;
const COUNT = 80;

describe.skipIf(process.env['FDWARDEN_RECORD'] !== '1')('record conformance vectors', () => {
  test(`records ${COUNT} programs on this kernel`, () => {
    const programs = fc.sample(programArb, { seed: SEED, numRuns: COUNT });
    const observations = runOnKernelBatch(programs);
    const cases = programs.map((program, i) => ({ program, observations: observations[i] }));
    expect(cases.every((c) => Array.isArray(c.observations))).toBe(true);
    const doc = {
      about: 'fdwarden kernel conformance vectors: each program (test/kernel/program.ts format) with the observations the Linux kernel gave after every step. Paths are relative to the sandbox root "@".',
      recordedWith: { seed: SEED, count: COUNT, kernel: process.env['FDWARDEN_KERNEL_RELEASE'] ?? '' },
      cases,
    };
    // One case per line: compact, and a re-recording diffs case by case.
    const head = JSON.stringify({ about: doc.about, recordedWith: doc.recordedWith }).slice(0, -1);
    writeFileSync(OUT, `${head},"cases":[\n${cases.map((c) => JSON.stringify(c)).join(',\n')}\n]}\n`);
  });
});
