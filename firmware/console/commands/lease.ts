// `lease clear [<address|mac>]`: drop one client's lease, or (after a yes) every lease. Clearing
// all makes every phone start over with DHCP, so it never runs on a bare Enter.
import type { ArgType, CommandIO, CommandNode } from '../commandTree';
import { ipToString, parseIp } from '../../util/ipv4';
import { macToString, parseMac } from '../../util/mac';
import type { CommandContext } from './context';

export type LeaseTarget = { readonly ip: number } | { readonly mac: Uint8Array };

const yes = (answer: string) => /^(y|yes)$/i.test(answer.trim());

/** One lease, named by its address or its client's MAC; completes from the live leases. */
function leaseArg(ctx: CommandContext): ArgType {
  return {
    syntax: 'A.B.C.D|aa:bb:cc:dd:ee:ff',
    parse(text) {
      const ip = parseIp(text);
      if (ip !== undefined) return { ok: true, value: { ip } };
      const mac = parseMac(text);
      if (mac) return { ok: true, value: { mac } };
      return { ok: false, reason: 'not an IPv4 address or a MAC (aa:bb:cc:dd:ee:ff)' };
    },
    complete: () => Array.from(ctx.router.leases?.all() ?? [], (lease) => [ipToString(lease.ip), macToString(lease.mac)]).flat(),
  };
}

const nameOf = (target: LeaseTarget) => ('ip' in target ? ipToString(target.ip) : macToString(target.mac));

export function leaseCommand(ctx: CommandContext): CommandNode {
  const r = ctx.router;
  const clearAll = async (io: CommandIO): Promise<void> => {
    const dhcp = r.dhcp;
    if (!dhcp) return io.print('% DHCP is not running');
    if (!dhcp.clearLeases) return io.print('% This DHCP server cannot clear leases; they end at their expiry');
    const live = Array.from(r.leases?.all() ?? []).length;
    const question = `Clear all ${live} lease${live === 1 ? '' : 's'}? Every phone then needs a new lease (DHCP from scratch). [y/N] `;
    if (!yes(await io.ask(question))) return io.print('% Leases not cleared');
    const count = await dhcp.clearLeases();
    io.print(`Cleared ${count} leases`);
  };
  const clearOne = (target: LeaseTarget, io: CommandIO): void => {
    const dhcp = r.dhcp;
    if (!dhcp) return io.print('% DHCP is not running');
    if (!dhcp.clearLease) return io.print('% This DHCP server cannot clear one lease');
    const cleared = dhcp.clearLease(target);
    io.print(cleared ? `Cleared the lease of ${cleared}` : `% No lease for ${nameOf(target)}`);
  };
  return {
    word: 'lease',
    help: 'DHCP leases',
    children: [
      {
        word: 'clear',
        help: 'Drop one lease, or every lease after a confirmation (the client starts over with DHCP)',
        args: [{ name: 'address|mac', help: 'The lease of this address or MAC only (none: all, asks first)', type: leaseArg(ctx), optional: true }],
        run: async (a, io) => {
          const target = a['address|mac'] as LeaseTarget | undefined;
          return target ? clearOne(target, io) : clearAll(io);
        },
      },
    ],
  };
}
