/**
 * The closed vocabularies a policy may name: statement keywords, errnos, open flags, file
 * types, rights per abi. They come from the modules that own them, so the language can never
 * accept a name the model does not know.
 */
import { ERRNO, isErrno } from '../linux/index.js';
import { O_FLAGS } from '../linux/index.js';
import { ABIS, rightsNamed } from '../rules/rights.js';
import { NET_SCOPES } from '../rules/network.js';
import type { RuleWhen } from '../rules/ir.js';

export const TOP_KEYWORDS = ['policy', 'default', 'unknown', 'let', 'include', 'allow', 'deny', 'tier', 'test', 'property', 'network'] as const;
export const TIER_KEYWORDS = ['allow', 'deny'] as const;
export const TEST_KEYWORDS = ['expect'] as const;
export const PROPERTY_KEYWORDS = ['never', 'always', 'only'] as const;
export const CLAUSE_KEYWORDS = ['under', 'except', 'when', 'errno', 'because'] as const;

/** What a `network` statement may name: the scopes src/rules/network.ts decides on, and `*` for all. */
export const NETWORK_SCOPES: readonly string[] = [...NET_SCOPES, '*'];

export type FileType = NonNullable<RuleWhen['type']>;
export const FILE_TYPES: readonly FileType[] = ['file', 'dir', 'symlink', 'fifo', 'socket', 'device'];

/** The access mode is a 2-bit field, not flags: `has O_RDONLY` would always hold. */
export const ACCESS_MODES = new Set(['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE']);

/** Open flags a condition may test: the `O_*` names strace prints, without the access modes. */
export const OPEN_FLAGS: ReadonlyMap<string, number> = new Map(
  Object.entries(O_FLAGS).filter(([k]) => k.startsWith('O_') && !ACCESS_MODES.has(k)),
);

export const ERRNO_NAMES: readonly string[] = Object.keys(ERRNO).filter((k) => k.startsWith('E'));

export { isErrno };

export function isKnownAbi(abi: number): boolean {
  return Object.hasOwn(ABIS, abi);
}

export function knownAbis(): number[] {
  return Object.keys(ABIS).map(Number);
}

/** Names a rights list may use under `abi`: every right, `rename` and `*`. */
export function rightNames(abi: number): string[] {
  return [...(ABIS[abi] ?? []), 'rename', '*'];
}

/** The mask a right name stands for under `abi`, or undefined. */
export function rightMask(name: string, abi: number): number | undefined {
  return rightsNamed(name, abi);
}
