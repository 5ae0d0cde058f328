/**
 * Identity and process relations of the guest: user and group ids, supplementary groups, the
 * parent, the process group and the session. The guest is an unprivileged process (no
 * capability, even when the host runs as root) whose ids are the host process's: the set*id
 * calls follow Linux's rules for a caller without CAP_SETUID/CAP_SETGID (kernel/sys.c,
 * kernel/groups.c), so they succeed only between ids it already has, and nothing reaches the
 * Node process. Its parent is the Node process, its group and session start as Node's.
 */
import { readFileSync } from 'node:fs';
import { plainCalls, type HostCore, type SyscallImpl } from './core.js';
import { loadSysExtra, type SysExtra } from './native/sys-extra.js';
import { i32, neg, u32 } from './errno.js';

const NO_ID = 0xffffffff;

/** Real, effective, saved and filesystem ids. */
interface Ids {
  r: number;
  e: number;
  s: number;
  fs: number;
}

/** A line of /proc/self/status as numbers (Uid:, Gid:, Groups:). */
function statusLine(text: string, key: string): number[] | undefined {
  const m = new RegExp(`^${key}:(.*)$`, 'm').exec(text);
  return m ? m[1]!.trim().split(/\s+/).filter((w) => w !== '').map(Number) : undefined;
}

/** Which ids the host's user namespace maps (an unmapped id is EINVAL, as make_kuid finds it invalid). */
function idMap(file: string): (id: number) => boolean {
  let ranges: number[][] = [[0, 0, NO_ID]];
  try {
    ranges = readFileSync(file, 'latin1').trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  } catch {
    // No /proc: every id but -1 is valid, as in the initial namespace.
  }
  return (id) => id !== NO_ID && ranges.some(([inside, , count]) => id >= inside! && id - inside! < count!);
}

function hostIds(): { uid: Ids; gid: Ids; groups: number[] } {
  let text = '';
  try {
    text = readFileSync('/proc/self/status', 'latin1');
  } catch {
    // Fall back to what Node reports.
  }
  const u = statusLine(text, 'Uid') ?? [process.getuid?.() ?? 0, process.geteuid?.() ?? 0, process.geteuid?.() ?? 0, process.geteuid?.() ?? 0];
  const g = statusLine(text, 'Gid') ?? [process.getgid?.() ?? 0, process.getegid?.() ?? 0, process.getegid?.() ?? 0, process.getegid?.() ?? 0];
  const groups = statusLine(text, 'Groups') ?? process.getgroups?.() ?? [];
  return { uid: { r: u[0]!, e: u[1]!, s: u[2]!, fs: u[3]! }, gid: { r: g[0]!, e: g[1]!, s: g[2]!, fs: g[3]! }, groups };
}

/** setuid/setgid without the capability: to the real or saved id only (the effective and fs ids change). */
function setOne(ids: Ids, valid: (id: number) => boolean, id: number): number {
  if (!valid(id)) return neg('EINVAL');
  if (id !== ids.r && id !== ids.s) return neg('EPERM');
  ids.e = ids.fs = id;
  return 0;
}

/** setreuid/setregid: the real id to the real or effective one; the effective id to any of the three. */
function setRe(ids: Ids, valid: (id: number) => boolean, r: number, e: number): number {
  if ((r !== NO_ID && !valid(r)) || (e !== NO_ID && !valid(e))) return neg('EINVAL');
  if (r !== NO_ID && r !== ids.r && r !== ids.e) return neg('EPERM');
  if (e !== NO_ID && e !== ids.r && e !== ids.e && e !== ids.s) return neg('EPERM');
  const old = ids.r;
  if (r !== NO_ID) ids.r = r;
  if (e !== NO_ID) ids.e = e;
  // The saved id follows the effective one when the real id is set or the effective one leaves it.
  if (r !== NO_ID || (e !== NO_ID && e !== old)) ids.s = ids.e;
  ids.fs = ids.e;
  return 0;
}

/** setresuid/setresgid: each id to one of the three current ones. */
function setRes(ids: Ids, valid: (id: number) => boolean, r: number, e: number, s: number): number {
  for (const id of [r, e, s]) if (id !== NO_ID && !valid(id)) return neg('EINVAL');
  const held = (id: number): boolean => id === NO_ID || id === ids.r || id === ids.e || id === ids.s;
  if (!held(r) || !held(e) || !held(s)) return neg('EPERM');
  if (r !== NO_ID) ids.r = r;
  if (e !== NO_ID) ids.e = e;
  if (s !== NO_ID) ids.s = s;
  ids.fs = ids.e;
  return 0;
}

/** setfsuid/setfsgid: the old fs id always; the new one is taken only when it is one the caller has. */
function setFs(ids: Ids, valid: (id: number) => boolean, id: number): number {
  const old = ids.fs;
  if (valid(id) && (id === ids.r || id === ids.e || id === ids.s || id === ids.fs)) ids.fs = id;
  return old;
}

function putRes(h: HostCore, ids: Ids, pr: number, pe: number, ps: number): number {
  const mem = h.mem;
  if (!mem) return neg('EFAULT');
  return mem.writeU32(pr, ids.r) || mem.writeU32(pe, ids.e) || mem.writeU32(ps, ids.s) ? neg('EFAULT') : 0;
}

function getgroups(h: HostCore, groups: readonly number[], size: number, list: number): number {
  if (size < 0) return neg('EINVAL');
  if (size === 0) return groups.length;
  if (groups.length > size) return neg('EINVAL');
  const b = new Uint8Array(groups.length * 4);
  const v = new DataView(b.buffer);
  groups.forEach((g, i) => v.setUint32(i * 4, g, true));
  const mem = h.mem;
  return mem && mem.writeBytes(list, b) === undefined ? groups.length : neg('EFAULT');
}

/** The guest's process group and session (its pid is the model's; its parent is the Node process). */
interface Relations {
  readonly pid: number;
  readonly ppid: number;
  pgid: number;
  sid: number;
  /** The Node process's group and session: a group the guest may still join while it shares the session. */
  readonly hostPgid: number;
  readonly hostSid: number;
}

/** The process group or session of `pid` (0: the caller); other processes are not visible to the guest. */
function ofPid(rel: Relations, pid: number, which: 'pgid' | 'sid'): number {
  if (pid < 0) return neg('ESRCH');
  if (pid !== 0 && pid !== rel.pid) return neg('ESRCH');
  return rel[which];
}

function setpgid(rel: Relations, pid: number, pgid: number): number {
  const who = pid === 0 ? rel.pid : pid;
  const to = pgid === 0 ? who : pgid;
  if (to < 0) return neg('EINVAL');
  if (who !== rel.pid) return neg('ESRCH');
  if (rel.sid === rel.pid) return neg('EPERM'); // a session leader cannot move
  // Another group must exist in the caller's session: its own, or the Node process's while it shares that session.
  if (to !== who && to !== rel.pgid && !(to === rel.hostPgid && rel.sid === rel.hostSid)) return neg('EPERM');
  rel.pgid = to;
  return 0;
}

function setsid(rel: Relations): number {
  // A session leader, or a group leader (a group with the caller's id exists): EPERM.
  if (rel.sid === rel.pid || rel.pgid === rel.pid) return neg('EPERM');
  rel.sid = rel.pgid = rel.pid;
  return rel.pid;
}

/** Ids, groups, parent, process group and session calls, by syscall name. */
export function idCalls(h: HostCore, extra: SysExtra = loadSysExtra()): Record<string, SyscallImpl> {
  // fork and execve keep the ids, groups, process group and session (no set-id programs here).
  const keep = (p: { uid: Ids; gid: Ids; groups: number[] }): { uid: Ids; gid: Ids; groups: number[] } => ({ uid: { ...p.uid }, gid: { ...p.gid }, groups: [...p.groups] });
  const host = h.own('ids', hostIds, { fork: keep, exec: keep });
  const uid = host.uid;
  const gid = host.gid;
  const groups = host.groups;
  const uidOk = idMap('/proc/self/uid_map');
  const gidOk = idMap('/proc/self/gid_map');
  const hostPgid = extra.getpgid();
  const hostSid = extra.getsid();
  const inherit = (p: Relations): Relations => ({ ...p, pid: h.tid });
  const rel = h.own<Relations>('relations', () => ({ pid: h.tid, ppid: process.pid, pgid: hostPgid, sid: hostSid, hostPgid, hostSid }), { fork: inherit, exec: inherit });
  return plainCalls({
    getuid: () => uid.r,
    geteuid: () => uid.e,
    getgid: () => gid.r,
    getegid: () => gid.e,
    getresuid: (r, e, s) => putRes(h, uid, u32(r), u32(e), u32(s)),
    getresgid: (r, e, s) => putRes(h, gid, u32(r), u32(e), u32(s)),
    setuid: (id) => setOne(uid, uidOk, u32(id)),
    setgid: (id) => setOne(gid, gidOk, u32(id)),
    setreuid: (r, e) => setRe(uid, uidOk, u32(r), u32(e)),
    setregid: (r, e) => setRe(gid, gidOk, u32(r), u32(e)),
    setresuid: (r, e, s) => setRes(uid, uidOk, u32(r), u32(e), u32(s)),
    setresgid: (r, e, s) => setRes(gid, gidOk, u32(r), u32(e), u32(s)),
    setfsuid: (id) => setFs(uid, uidOk, u32(id)),
    setfsgid: (id) => setFs(gid, gidOk, u32(id)),
    getgroups: (n, list) => getgroups(h, groups, i32(n), u32(list)),
    // may_setgroups() needs CAP_SETGID, checked before the size: EPERM whatever is asked.
    setgroups: () => neg('EPERM'),
    // A forked guest process's parent is the guest process that forked it.
    getppid: () => h.proc?.parent?.pid ?? rel.ppid,
    getpgid: (pid) => ofPid(rel, i32(pid), 'pgid'),
    getpgrp: () => rel.pgid,
    getsid: (pid) => ofPid(rel, i32(pid), 'sid'),
    setpgid: (pid, pgid) => setpgid(rel, i32(pid), i32(pgid)),
    setsid: () => setsid(rel),
  });
}
