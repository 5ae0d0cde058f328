/**
 * What an ioctl request reaches (asm-generic/ioctls.h, x86-64 values). An ioctl can do anything
 * its driver allows, so requests are sorted into what is known, and everything else needs the
 * `ioctl` right on a named object: fail closed.
 */

/** Requests that read or set only the descriptor itself (its flags, how much is queued, the terminal's settings read). */
const FD_LOCAL = new Set([
  0x5451, // FIOCLEX
  0x5450, // FIONCLEX
  0x5421, // FIONBIO
  0x5452, // FIOASYNC
  0x541b, // FIONREAD
  0x5411, // TIOCOUTQ
  0x5401, // TCGETS
  0x802c542a, // TCGETS2
  0x5413, // TIOCGWINSZ
  0x540f, // TIOCGPGRP
  0x5429, // TIOCGSID
  0x5424, // TIOCGETD
]);

/** Requests that change the settings of a terminal the guest uses (an editor's raw mode, its window size). */
const TERMINAL = new Set([
  0x5402, 0x5403, 0x5404, // TCSETS, TCSETSW, TCSETSF
  0x402c542b, 0x402c542c, 0x402c542d, // TCSETS2, TCSETSW2, TCSETSF2
  0x5414, // TIOCSWINSZ
  0x5410, // TIOCSPGRP
  0x540a, 0x540b, 0x5409, 0x5425, // TCXONC, TCFLSH, TCSBRK, TCSBRKP
]);

/** Requests that write a file's data (reflink copies): the `write` right on the fd, as a write would need. */
const WRITES = new Set([0x40049409 /* FICLONE */, 0x4020940d /* FICLONERANGE */, 0xc0189436 /* FIDEDUPERANGE */]);

/**
 * Requests that act on what else shares the terminal or the console: faking input another
 * process reads (TIOCSTI), the console (TIOCLINUX, TIOCCONS), taking a controlling terminal
 * (TIOCSCTTY), the line discipline (TIOCSETD). Never allowed.
 */
const OUTSIDE = new Set([0x5412, 0x541c, 0x541d, 0x540e, 0x5423]);

/**
 * `fd`: needs nothing; `terminal`: allowed on the descriptors the guest started with, else the
 * `ioctl` right; `outside`: refused; `writes`: the `write` right on the fd; `object`: the
 * `ioctl` right on a named object.
 */
export function ioctlReach(request: number): 'fd' | 'terminal' | 'outside' | 'writes' | 'object' {
  const r = request >>> 0;
  if (FD_LOCAL.has(r)) return 'fd';
  if (TERMINAL.has(r)) return 'terminal';
  if (OUTSIDE.has(r)) return 'outside';
  if (WRITES.has(r)) return 'writes';
  return 'object';
}
