/**
 * The guest namespace as the model's View: what a directory holds is asked of the directory as
 * an object (its anchored host fd), never of a path string, so that a rename (the guest's or
 * another process's) can never send the question somewhere else. Synthetic directories answer
 * from the mount table.
 */
import type { Kernel } from '../state/kernel.js';
import type { View, ViewEntry } from '../state/view.js';
import type { Sys } from './native/sys.js';
import type { HostMounts } from './mounts.js';
import { SYNTHETIC, type Anchors } from './anchors.js';
import { identOfStat, kindOfStat } from './stat.js';
import { listDir } from './listing.js';

const AT_SYMLINK_NOFOLLOW = 0x100;

/** glibc's gnu_dev_major/minor on a 64-bit dev_t, as `major:minor`. */
function devString(b: Uint8Array): string {
  const rdev = new DataView(b.buffer, b.byteOffset).getBigUint64(40, true);
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

const join = (dir: string, name: string): string => (dir === '/' ? `/${name}` : `${dir}/${name}`);

/** The namespace of a host: `kernel` and `anchors` are bound once they exist (they need this view first). */
export function namespaceView(sys: Sys, mounts: HostMounts, late: { kernel?: Kernel; anchors?: Anchors }): View {
  const st = new Uint8Array(144);
  const guestPath = (dir: number): string => {
    const l = late.kernel!.describeDentry(dir);
    return l.kind === 'path' ? l.path : '/';
  };
  return {
    name: 'wali-mounts',
    lookup: () => null,
    list: () => null,
    child(dir, name) {
      const a = late.anchors!.dir(dir);
      if (a === SYNTHETIC) return mounts.leadsToMount(join(guestPath(dir), name)) ? { kind: 'dir' } : null;
      if (typeof a === 'number') return null; // the host will not say (EACCES, or the model was stale)
      try {
        if (sys.fstatat(a.fd, name, st, AT_SYMLINK_NOFOLLOW) < 0) return null;
        const entry: ViewEntry = { kind: kindOfStat(st), ident: identOfStat(st) };
        if (entry.kind === 'lnk') {
          const body = new Uint8Array(4096);
          const n = sys.readlinkat(a.fd, name, body);
          if (n < 0) return null;
          entry.target = Buffer.from(body.subarray(0, n)).toString('latin1');
        }
        if (entry.kind === 'chr' || entry.kind === 'blk') entry.rdev = devString(st);
        return entry;
      } finally {
        a.release();
      }
    },
    names(dir) {
      const extra = mounts.childMountNames(guestPath(dir));
      const a = late.anchors!.dir(dir);
      if (a === SYNTHETIC) return extra;
      if (typeof a === 'number') return null;
      try {
        const ents = listDir(sys, a.fd, '.');
        if (typeof ents === 'number') return null;
        const out = new Set(extra);
        for (const e of ents) {
          const n = e.name.toString('latin1');
          if (n !== '.' && n !== '..') out.add(n);
        }
        return [...out];
      } finally {
        a.release();
      }
    },
  };
}
