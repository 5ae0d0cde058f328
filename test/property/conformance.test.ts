/**
 * The recorded conformance vectors (spec/conformance/kernel-programs.json): the model must give
 * the kernel's observations after every step. Needs no C compiler, unlike the live differential.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { firstDivergence } from '../kernel/compare.js';
import { runOnModel } from '../kernel/model-runner.js';
import type { Observation, Program } from '../kernel/program.js';

interface Doc {
  cases: { program: Program; observations: Observation[] }[];
}

const doc = JSON.parse(readFileSync(join(import.meta.dirname, '../../spec/conformance/kernel-programs.json'), 'utf8')) as Doc;

describe('kernel conformance vectors', () => {
  test('there are vectors', () => {
    expect(doc.cases.length).toBeGreaterThanOrEqual(50);
  });
  doc.cases.forEach((c, i) => {
    test(`case ${i}`, () => {
      expect(firstDivergence(c.program, c.observations, runOnModel(c.program))).toBeNull();
    });
  });
});
