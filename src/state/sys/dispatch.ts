/** Routes a Call to its handler. One table: adding a syscall means adding one line here. */
import type { Kernel } from '../kernel.js';
import type { Call, Observed, Outcome } from '../calls.js';
import type { Task } from '../types.js';
import { openat } from './open.js';
import { close, closeRange, dup, dup3, fcntl, ioctl, setNofile, useFd } from './fdops.js';
import { linkat, lookup, mkdirat, mknodat, renameat2, symlinkat, unlinkat } from './names.js';
import { chdir, clone, execve, exit, fchdir, getcwd, umask } from './tasks.js';
import { accept4, anonFd, bindConnect, pipe2, recvFds, sendFds, socket, socketpair } from './anon.js';

export function dispatch(k: Kernel, task: Task, c: Call, obs: Observed | undefined): Outcome {
  switch (c.sys) {
    case 'openat': return openat(k, task, c, obs);
    case 'mkdirat': return mkdirat(k, task, c, obs);
    case 'mknodat': return mknodat(k, task, c, obs);
    case 'unlinkat': return unlinkat(k, task, c, obs);
    case 'renameat2': return renameat2(k, task, c, obs);
    case 'linkat': return linkat(k, task, c, obs);
    case 'symlinkat': return symlinkat(k, task, c, obs);
    case 'lookup': return lookup(k, task, c, obs);
    case 'close': return close(k, task, c, obs);
    case 'close_range': return closeRange(k, task, c, obs);
    case 'dup': return dup(k, task, c, obs);
    case 'dup2': return dup3(k, task, { fd: c.fd, newfd: c.newfd, flags: 0, dup2: true }, obs);
    case 'dup3': return dup3(k, task, c, obs);
    case 'fcntl': return fcntl(k, task, c, obs);
    case 'ioctl': return ioctl(k, task, c, obs);
    case 'chdir': return chdir(k, task, c, obs);
    case 'chroot': return chdir(k, task, { path: c.path, root: true }, obs);
    case 'fchdir': return fchdir(k, task, c, obs);
    case 'umask': return umask(k, task, c, obs);
    case 'getcwd': return getcwd(k, task, obs);
    case 'nofile': return setNofile(k, task, c, obs);
    case 'pipe2': return pipe2(k, task, c, obs);
    case 'socket': return socket(k, task, c, obs);
    case 'socketpair': return socketpair(k, task, c, obs);
    case 'accept4': return accept4(k, task, c, obs);
    case 'bind':
    case 'connect':
    case 'sendto': return bindConnect(k, task, c, obs);
    case 'anon': return anonFd(k, task, c, obs);
    case 'sendfds': return sendFds(k, task, c, obs);
    case 'recvfds': return recvFds(k, task, c);
    case 'clone': return clone(k, task, c, obs);
    case 'execve': return execve(k, task, c, obs);
    case 'exit': return exit(k, task, c);
    case 'usefd':
    case 'mmap': return useFd(k, task, c, obs);
    // Signals and other processes' limits change nothing the model holds.
    case 'kill':
    case 'tkill': return obs && !obs.ok ? { ok: false, errno: obs.errno } : { ok: true, ret: 0 };
    case 'prlimit': {
      // prlimit64(getpid(), RLIMIT_NOFILE, new) sizes the caller's own table, as setrlimit does.
      const own = k.task(c.pid);
      if (c.nofile !== undefined && obs?.ok && own && !own.exited && own.tgid === c.pid) return setNofile(k, own, { soft: c.nofile }, obs);
      return obs && !obs.ok ? { ok: false, errno: obs.errno } : { ok: true, ret: 0 };
    }
  }
}
