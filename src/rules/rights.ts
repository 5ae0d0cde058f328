/**
 * The rights vocabulary, versioned by ABI: a policy pins `abi N`, and only the rights of that ABI
 * (and their bit positions) exist for it, so an engine upgrade never changes an old policy's
 * decisions. Rights are bits in a mask (at most 31 per ABI, so masks stay small integers).
 */

/** ABI 1, in bit order. `rename-from`/`rename-to` are the two ends of a rename; `rename` names both. */
export const RIGHTS_ABI1 = [
  'read', 'write', 'append', 'truncate', 'create', 'mkdir', 'mknod', 'symlink', 'link', 'delete',
  'rmdir', 'rename-from', 'rename-to', 'list', 'exec', 'stat', 'chmod', 'chown', 'xattr', 'utime',
  'chdir', 'ioctl',
] as const;

export type Right = (typeof RIGHTS_ABI1)[number];

export const LATEST_ABI = 1;

/** Rights per ABI version. */
export const ABIS: Readonly<Record<number, readonly Right[]>> = { 1: RIGHTS_ABI1 };

const BIT = new Map<string, number>(RIGHTS_ABI1.map((r, i) => [r, 1 << i]));

/** The bit of a right (ABI 1 positions; later ABIs only append). */
export function bit(right: Right): number {
  return BIT.get(right)!;
}

/** Every right of an ABI as one mask (`*`). */
export function allRights(abi: number = LATEST_ABI): number {
  return ((1 << (ABIS[abi] ?? RIGHTS_ABI1).length) - 1) >>> 0;
}

/** Names a user may write, with what they stand for: a right, `rename` (both ends), `*`. */
export function rightsNamed(name: string, abi: number = LATEST_ABI): number | undefined {
  const rights = ABIS[abi];
  if (!rights) return undefined;
  if (name === '*') return allRights(abi);
  if (name === 'rename') return bit('rename-from') | bit('rename-to');
  return (rights as readonly string[]).includes(name) ? BIT.get(name) : undefined;
}

/** The rights in a mask, in bit order. */
export function rightsIn(mask: number, abi: number = LATEST_ABI): Right[] {
  return (ABIS[abi] ?? RIGHTS_ABI1).filter((r) => (mask & bit(r)) !== 0);
}
