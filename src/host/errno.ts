/** The guest's errno helpers (src/wali/errno.ts, shared with the in-memory host), and the Node host's set-up error. */
export { errnoOf, i32, i64, isErr, neg, negOf, u32, type Result } from '../wali/errno.js';

/** Host options that cannot work (a mount that is not a directory, a guest cwd that does not exist ...). */
export class HostSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostSetupError';
  }
}
