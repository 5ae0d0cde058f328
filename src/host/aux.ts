/**
 * WALI's non-syscall imports, with the semantics of the reference host (WAMR libc-wali wali.c)
 * and wali-musl's startup code:
 * - `__cl_get_argc()` → argc; `__cl_get_argv_len(i)` → strlen(argv[i]) (no NUL: wali-musl's
 *   __main_void allocates len + 1); `__cl_copy_argv(buf, i)` copies argv[i] and its NUL, → 0.
 * - `__get_init_envfile(buf, size)` writes the env file's path and returns 1, or returns 0 when
 *   there is none; a path that does not fit leaves an empty string and still returns 1 (as WAMR).
 *   The file holds `KEY=VALUE` lines; wali-musl's init_env reads it with access, open, fstat,
 *   mmap, close and munmap (src/env/initenv.c), so those go through the host like any other.
 * - `__init`/`__deinit` → 0; `__proc_exit(code)` ends the program (throws WaliExit).
 * - `setjmp`/`sigsetjmp` return 0; `longjmp` cannot be done through imports, so, like WAMR,
 *   it ends the run: it throws WaliTrap, which start() lets through like any wasm trap.
 * - `__wasm_thread_spawn` fails (-ENOSYS as the tid): this host runs single-threaded guests.
 */
import type { HostCore } from './core.js';
import { WaliExit, WaliTrap } from '../wali/endings.js';
import { i32, neg, u32 } from './errno.js';

export { WaliTrap };

export interface AuxConfig {
  /** argv as byte strings. */
  args: string[];
  /** Guest path of the env file, when there is an environment. */
  envFile: string | undefined;
}

/** The aux imports of module `wali`, by import name. */
export function auxCalls(h: HostCore, cfg: AuxConfig): Record<string, (...a: unknown[]) => number | void> {
  const argv = cfg.args.map((a) => Buffer.from(a, 'latin1'));
  return {
    __init: () => 0,
    __deinit: () => 0,
    __call_ctors: () => 0,
    __call_dtors: () => 0,
    __proc_exit: (code) => {
      throw new WaliExit(i32(code));
    },
    __cl_get_argc: () => argv.length,
    __cl_get_argv_len: (i) => argv[u32(i)]?.length ?? 0,
    __cl_copy_argv: (buf, i) => {
      const a = argv[u32(i)];
      if (!a || !h.mem) return -1;
      return h.mem.writeBytes(u32(buf), Buffer.concat([a, Buffer.from([0])])) ? -1 : 0;
    },
    __get_init_envfile: (buf, size) => {
      if (cfg.envFile === undefined || !h.mem) return 0;
      const path = Buffer.from(cfg.envFile + '\0', 'latin1');
      const fits = path.length <= u32(size);
      h.mem.writeBytes(u32(buf), fits ? path : new Uint8Array(1));
      return 1;
    },
    __wasm_thread_spawn: () => neg('ENOSYS'),
    setjmp: () => 0,
    sigsetjmp: () => 0,
    longjmp: () => {
      throw new WaliTrap('longjmp is not supported by this host');
    },
    siglongjmp: () => {
      throw new WaliTrap('longjmp is not supported by this host');
    },
  };
}
