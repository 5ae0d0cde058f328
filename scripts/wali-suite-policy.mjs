// The restrictive policy of `wali-suite.mjs --policy restrictive` and the check of its denials.
// The guest's files (the test's work directory, its cwd, mounted at its own path outside /tmp)
// are read-only and refused with EROFS; /tmp (where the tests keep their fixtures) is writable;
// the rest of what the guest sees is read-only by the default (EACCES).

/** The deny's rights: every right that changes a file or a name. */
const CHANGES = 'write,append,truncate,create,delete,rmdir,rename,mkdir,mknod,symlink,link,chmod,chown,xattr,utime';

/** The policy's text; each rule on a line of its own, so a denial's `file:line` names its rule. */
export const RESTRICTIVE_POLICY = [
  'policy "wali-suite-restrictive" abi 1',
  'default deny errno EACCES',
  'unknown deny errno EACCES',
  'let $WORK = "/nowhere"   # set with --var WORK=the test\'s work directory',
  'allow read,list,stat,chdir,exec,ioctl under /',
  'allow * under /tmp',
  `deny ${CHANGES} under $WORK errno EROFS because "the guest's files are read-only"`,
  '',
].join('\n');

/** The errno each line of the policy denies with (by line number), and the default's and unknown's. */
function ruleErrnos(text) {
  const byLine = new Map();
  let fallback = 'EACCES';
  let unknown = 'EACCES';
  text.split('\n').forEach((line, i) => {
    const m = /\berrno (E[A-Z0-9]+)/.exec(line);
    if (!m) return;
    if (line.startsWith('default ')) fallback = m[1];
    else if (line.startsWith('unknown ')) unknown = m[1];
    else byLine.set(i + 1, m[1]);
  });
  return { byLine, fallback, unknown };
}

const ERRNOS = ruleErrnos(RESTRICTIVE_POLICY);

/**
 * The denials in `fdwarden run --audit`'s output: each `fdwarden: deny ERRNO call ...` line and
 * the explanation indented below it, which names what decided (`deny ERRNO by rule at
 * FILE:LINE:COL`, `denied ERRNO by default`, or `refused: outside the guest: ... (ERRNO)` for a
 * call beyond the guest, which no policy allows). Each denial comes with the errno the guest got,
 * the errnos its deciders give (a rule's read from the policy's text, not from the log), and
 * whether the policy decided it (`policy`), the call reaches beyond the guest (`outside`), the
 * kernel refuses it before the policy (`kernel`), or it never reached the policy (`plain`): those
 * three are refused under any policy.
 */
export function denials(output, policyFile) {
  const out = [];
  let cur;
  for (const line of output.split('\n')) {
    const head = /^fdwarden: deny (E[A-Z0-9]+) (\S+)/.exec(line);
    if (head) {
      // A refusal that never reached the policy (an unknown syscall, a fault) has no explanation.
      // Linux's own refusal, made before the policy's (EEXIST, EBADF): the kernel's errno, as natively.
      const plain = /\((kernel|unknown-syscall|fault)\)$/.test(line) ? 'plain' : / \(the kernel refuses it first\)$/.test(line) ? 'kernel' : undefined;
      cur = { errno: head[1], syscall: head[2], line: line.slice('fdwarden: '.length), expected: new Set(plain ? [head[1]] : []), kind: plain };
      out.push(cur);
      continue;
    }
    if (!cur || !/^\s/.test(line)) { cur = undefined; continue; }
    if (cur.kind === 'plain' || cur.kind === 'kernel') continue;
    // What decided, as src/rules/explain.ts renders it: per right, per network statement, an escalation.
    const rule = /(?: deny|denied) (E[A-Z0-9]+) by (?:rule|network statement) at (.+):(\d+):\d+/.exec(line);
    const outside = /refused: outside the guest: .*\((E[A-Z0-9]+)\)$/.exec(line);
    if (rule) {
      cur.kind = 'policy';
      const e = rule[2] === policyFile ? ERRNOS.byLine.get(Number(rule[3])) : undefined;
      if (e) cur.expected.add(e);
    } else if (/ deny E[A-Z0-9]+ by default$|denied(?: E[A-Z0-9]+)?(?: by default)?: no `network` statement/.test(line)) {
      cur.kind = 'policy';
      cur.expected.add(ERRNOS.fallback);
    } else if (/ deny E[A-Z0-9]+ by unknown$/.test(line)) {
      cur.kind = 'policy';
      cur.expected.add(ERRNOS.unknown);
    } else if (/^\s+escalation: .*→ EXDEV/.test(line)) {
      cur.kind = 'policy';
      cur.expected.add('EXDEV');
    } else if (outside) {
      cur.kind ??= 'outside';
      cur.expected.add(outside[1]);
    }
  }
  return out.map((d) => ({ ...d, expected: [...d.expected], ok: d.kind !== undefined && d.expected.has(d.errno) }));
}

/** The extra `fdwarden run` arguments of a restrictive run in `work` (mounted at its own path). */
export function restrictiveMounts(work) {
  return ['--dir', '/tmp=/tmp', '--dir', `${work}=${work}`, '--cwd', work, '--var', `WORK=${work}`];
}
