import { describe, expect, it } from 'vitest';
import { condsHold, fdSpec, fdSpecNames, locateFds, type SyscallFdSpec } from '../../../src/strace/fd-args.js';
import { parseArgPieces, parseArgs } from '../../../src/strace/args.js';
import { parseStraceLine } from '../../../src/strace/line.js';
import { scanAnnotations } from '../../../src/strace/annotations.js';
import { loadTraces } from './traces.js';

function spec(name: string): SyscallFdSpec {
  const s = fdSpec(name);
  if (!s) throw new Error(`no spec for ${name}`);
  return s;
}

/** Printed fd values (`role:text`) of a one-line call; checks each span ends where the value does. */
function fds(name: string, argsText: string, when?: 'entry' | 'exit'): string[] {
  return locateFds(spec(name), parseArgs(argsText), when).map((l) => {
    const v = l.arg.valueText;
    expect(argsText.slice(l.arg.valueEnd - v.length, l.arg.valueEnd)).toBe(v);
    return `${l.slot.role}:${v}`;
  });
}

describe('fd-args table', () => {
  it('describes the common calls', () => {
    expect(spec('openat')).toMatchObject({ returnsFd: true, slots: [{ index: 0, role: 'dirfd', when: 'entry' }] });
    expect(spec('close_range').slots).toEqual([]);
    expect(spec('close_range').returnsFd).toBe(false);
    expect(fdSpec('getpid')).toBeUndefined();
    expect(fdSpec('constructor')).toBeUndefined();
    expect(spec('read').slots).toEqual([{ index: 0, role: 'fd', path: [], when: 'entry', conds: [] }]);
    expect(spec('perf_event_open').slots[0]?.when).toBe('exit');
    for (const name of fdSpecNames()) {
      const s = spec(name);
      expect(s.source).not.toBe('');
      if (name !== 'close_range') expect(s.slots.length > 0 || s.returnsFd).toBe(true);
    }
  });

  it('locates plain, dir and nested fds', () => {
    expect(fds('renameat2', 'AT_FDCWD, "a", 4, "b", RENAME_NOREPLACE')).toEqual(['dirfd:AT_FDCWD', 'dirfd:4']);
    expect(fds('symlinkat', '"t", 3, "l"')).toEqual(['dirfd:3']);
    expect(fds('mmap', 'NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0')).toEqual(['fd:3']);
    expect(fds('poll', '[{fd=3, events=POLLIN}, {fd=-1}], 2, 0')).toEqual(['fd:3', 'fd:-1']);
    expect(fds('select', '5, [0 4], NULL, [1], NULL')).toEqual(['fd:0', 'fd:4', 'fd:1']);
    expect(fds('pipe2', '[3, 4], O_CLOEXEC', 'exit')).toEqual(['fd:3', 'fd:4']);
    expect(fds('pipe2', '[3, 4], O_CLOEXEC', 'entry')).toEqual([]);
    expect(fds('epoll_ctl', '5, EPOLL_CTL_ADD, 3, {events=EPOLLIN, data={u32=3, u64=3}}')).toEqual(['fd:5', 'fd:3']);
    const msg = '3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="x", iov_len=1}], msg_iovlen=1, ' +
      'msg_control=[{cmsg_len=24, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[5, 6]}, ' +
      '{cmsg_len=28, cmsg_level=SOL_SOCKET, cmsg_type=SCM_CREDENTIALS, cmsg_data={pid=1, uid=0, gid=0}}], ' +
      'msg_controllen=56, msg_flags=0}, 0';
    expect(fds('sendmsg', msg)).toEqual(['fd:3', 'fd:5', 'fd:6']);
  });

  it('applies argument conditions', () => {
    expect(fds('clone', 'child_stack=NULL, flags=CLONE_PIDFD|SIGCHLD, parent_tid=[3]')).toEqual(['fd:3']);
    expect(fds('clone', 'child_stack=NULL, flags=CLONE_PIDFD|CLONE_PARENT_SETTID, parent_tid=[77]')).toEqual([]);
    expect(fds('clone3', '{flags=CLONE_PIDFD, pidfd=0x7ffd, exit_signal=SIGCHLD, stack=NULL, stack_size=0} => {pidfd=[4]}, 88'))
      .toEqual(['fd:4']);
    expect(fds('fsconfig', '3, FSCONFIG_SET_FD, "source", NULL, 5')).toEqual(['fd:3', 'fd:5']);
    expect(fds('fsconfig', '3, FSCONFIG_SET_PATH, "source", "/dev/sda", AT_FDCWD'))
      .toEqual(['fd:3', 'dirfd:AT_FDCWD']);
    expect(fds('fsconfig', '3, FSCONFIG_SET_STRING, "k", "v", 0')).toEqual(['fd:3']);
    const f = spec('fcntl');
    expect(condsHold(f.returnConds, parseArgs('3, F_DUPFD_CLOEXEC, 10'))).toBe(true);
    expect(condsHold(f.returnConds, parseArgs('3, F_GETFL'))).toBe(false);
    expect(fds('pidfd_getfd', '3, 7, 0')).toEqual(['fd:3', 'remote-fd:7']);
  });
});

const traces = loadTraces();

describe('recorded traces', () => {
  it('every fd annotation strace printed sits where the table says', () => {
    let matched = 0;
    const unpredicted: string[] = [];
    for (const t of traces) {
      const scans = t.lines.map(scanAnnotations);
      const predicted = t.lines.map(() => new Set<number>());
      // Pair each call's two halves (per pid), then predict where strace put its fds.
      const open = new Map<number, { text: string; at: number; lineNo: number }>();
      scans.forEach((s, lineNo) => {
        const p = parseStraceLine(s.stripped, lineNo);
        const key = p.pid ?? -1;
        if (p.kind === 'unfinished') { open.set(key, { text: p.argsText, at: p.argsAt, lineNo }); return; }
        if (p.kind !== 'call' && p.kind !== 'resumed') return;
        const first = p.kind === 'resumed' ? open.get(key) : { text: p.argsText, at: p.argsAt, lineNo };
        open.delete(key);
        const sp = fdSpec(p.name);
        if (!sp || !first) return;
        const args = p.kind === 'resumed' ? parseArgPieces(first, { text: p.argsText, at: p.argsAt }) : parseArgs(p.argsText, p.argsAt);
        for (const { arg } of locateFds(sp, args)) predicted[arg.valueEndPart === 0 ? first.lineNo : lineNo]?.add(arg.valueEnd);
        const r = p.result;
        if (sp.returnsFd && condsHold(sp.returnConds, args) && r.value !== undefined && r.value >= 0) {
          predicted[lineNo]?.add(r.at + (/^\d+/.exec(r.text)?.[0].length ?? 0));
        }
      });
      scans.forEach((s, i) => {
        for (const n of s.notes) {
          if (predicted[i]?.has(n.at)) matched++;
          else unpredicted.push(`${t.name}:${i + 1}: ${t.lines[i]}`);
        }
      });
    }
    expect(unpredicted).toEqual([]);
    expect(matched).toBeGreaterThan(7000);
  });
});
