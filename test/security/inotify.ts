/**
 * A witness for the canary: inotify watches that record every open, read, write, attribute
 * change and name change inside a directory, whoever makes it. Created after the "before"
 * picture and drained before the "after" one, so only what happened in between counts.
 */
import koffi from 'koffi';

const IN_NONBLOCK = 0o4000;
const IN_ALL_EVENTS = 0xfff;
const NAMES: Record<number, string> = {
  0x1: 'ACCESS', 0x2: 'MODIFY', 0x4: 'ATTRIB', 0x8: 'CLOSE_WRITE', 0x10: 'CLOSE_NOWRITE', 0x20: 'OPEN',
  0x40: 'MOVED_FROM', 0x80: 'MOVED_TO', 0x100: 'CREATE', 0x200: 'DELETE', 0x400: 'DELETE_SELF', 0x800: 'MOVE_SELF',
};

let libc: { init: (flags: number) => number; add: (fd: number, path: string, mask: number) => number; read: (fd: number, buf: Uint8Array, n: number) => number; close: (fd: number) => number } | undefined;

function load(): NonNullable<typeof libc> {
  if (libc) return libc;
  const l = koffi.load('libc.so.6');
  libc = {
    init: l.func('int inotify_init1(int)'),
    add: l.func('int inotify_add_watch(int, const char *, uint32_t)'),
    read: l.func('long read(int, _Out_ uint8_t *, size_t)'),
    close: l.func('int close(int)'),
  };
  return libc;
}

export interface Watch {
  /** Every event so far, as `path EVENT` lines; closes the watch. */
  drain(): string[];
}

/** Watches each of `dirs` (not recursively: name every directory to watch). */
export function watch(dirs: readonly string[]): Watch {
  const c = load();
  const fd = c.init(IN_NONBLOCK);
  if (fd < 0) throw new Error('inotify_init1 failed');
  const byWd = new Map<number, string>();
  for (const d of dirs) {
    const wd = c.add(fd, d, IN_ALL_EVENTS);
    if (wd < 0) throw new Error(`inotify_add_watch ${d} failed`);
    byWd.set(wd, d);
  }
  return {
    drain() {
      const out: string[] = [];
      const buf = new Uint8Array(65536);
      for (;;) {
        const n = c.read(fd, buf, buf.length);
        if (n <= 0) break;
        const v = new DataView(buf.buffer, 0, n);
        for (let at = 0; at + 16 <= n;) {
          const wd = v.getInt32(at, true);
          const mask = v.getUint32(at + 4, true);
          const len = v.getUint32(at + 12, true);
          const name = Buffer.from(buf.subarray(at + 16, at + 16 + len)).toString('latin1').replace(/\0+$/, '');
          const events = Object.entries(NAMES).filter(([bit]) => mask & Number(bit)).map(([, e]) => e);
          if (events.length) out.push(`${byWd.get(wd) ?? wd}/${name} ${events.join('|')}`);
          at += 16 + len;
        }
      }
      c.close(fd);
      return out;
    },
  };
}
