/**
 * `network` statements → the IR's `network` list (src/rules/network.ts decides with it): scopes
 * checked against the closed vocabulary (`*` is all three), errnos as a rule's.
 */
import type { IrNetwork, Span } from '../rules/ir.js';
import { NET_SCOPES, type NetScope } from '../rules/network.js';
import type { NetworkItem } from './ast.js';
import { checkErrno, type RuleContext } from './lower-rule.js';
import { NETWORK_SCOPES } from './names.js';
import { didYouMean } from './suggest.js';

export function lowerNetwork(n: NetworkItem, file: Span, ctx: RuleContext): IrNetwork {
  const scopes = new Set<NetScope>();
  for (const s of n.scopes) {
    if (s.name === '*') for (const x of NET_SCOPES) scopes.add(x);
    else if ((NET_SCOPES as readonly string[]).includes(s.name)) scopes.add(s.name as NetScope);
    else {
      ctx.report('FW108', s.span ?? n.span ?? file, `unknown network scope \`${s.name}\``,
        didYouMean(s.name, NETWORK_SCOPES) ?? 'scopes are `loopback` (127.0.0.0/8, ::1), `inet` (every IPv4/IPv6 address), `abstract` (abstract Unix sockets) and `*`');
    }
  }
  const out: IrNetwork = { effect: n.effect, scopes: [...scopes], span: n.span ?? file };
  const errno = checkErrno(n.effect, n.errno, { ...ctx, fallback: n.span ?? file });
  if (errno !== undefined) out.errno = errno;
  if (n.because !== undefined) out.because = n.because;
  return out;
}
