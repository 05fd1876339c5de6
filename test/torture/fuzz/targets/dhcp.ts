// DHCP: the message parser alone, and the server (the pure RFC 2131 machine) fed mutated client
// messages on both ports with its probes and flash writes answered, virtual time moving.
import { DhcpError, isDhcpError, parseDhcp, BOOTREPLY } from '../../../../firmware/wire/dhcp';
import { DhcpServer, DEFAULT_DHCP_CONFIG, type DhcpOutput } from '../../../../firmware/dhcp';
import { Rng } from '../../../../hal/sim/random';
import { count, type Figure } from '../../campaign';
import { behindHeaderByte, mutate } from '../mutate';
import type { FuzzInstance, FuzzTarget } from '../target';
import { dhcpSeeds } from './dhcp-corpus';

const REASONS = new Set<string>(Object.values(DhcpError));

export const dhcpParse: FuzzTarget = {
  name: 'dhcp-parse',
  describe: 'DHCP message parser',
  seeds: dhcpSeeds,
  create(): FuzzInstance {
    return {
      feed(input) {
        const message = parseDhcp(input);
        if (isDhcpError(message)) {
          if (!REASONS.has(message)) throw new Error(`unknown refusal ${String(message)}`);
          return message;
        }
        // Every option value must be a view inside the message (or a joined copy of such views).
        let sum = 0;
        for (const value of message.options.values()) for (let i = 0; i < value.length; i++) sum += value[i];
        return sum >= 0 ? 'ok' : 'impossible';
      },
      audit(fed, outcomes) {
        let total = 0;
        for (const [reason, n] of outcomes) {
          if (reason !== 'ok' && !REASONS.has(reason)) return [`outcome ${reason} is not a parser reason`];
          total += n;
        }
        return total === fed ? [] : [`${fed} inputs, ${total} outcomes`];
      },
    };
  },
};

const ROUTER_IP = 0xc0a80101;
const ROUTER_MAC = Uint8Array.of(0x02, 0, 0, 0, 0, 0x01);
/** Counters a message ends in before the server reads its type: with the rx.* ones they cover every input. */
const EARLY_DROPS = ['drop.wan-port', 'drop.not-request', ...Object.values(DhcpError).map((r) => `drop.${r}`)];

/** One input: a header byte (port, broadcast, source address, time step) then the payload. */
function generateServerInput(rng: Rng, seeds: Parameters<typeof mutate>[0]): Uint8Array {
  const payload = mutate(seeds, rng, 700).bytes;
  return behindHeaderByte(rng, payload);
}

export const dhcpServer: FuzzTarget = {
  name: 'dhcp-server',
  describe: 'DHCP server: mutated client messages, probes and writes answered, time moving',
  seeds: dhcpSeeds,
  generate: generateServerInput,
  create(seed): FuzzInstance {
    const rng = new Rng(seed ^ 0xd4c9);
    const server = new DhcpServer({ ...DEFAULT_DHCP_CONFIG, rogueProbeInterval: 86_400 }, () => rng.nextU32());
    server.setNetwork({ ip: ROUTER_IP, prefixLength: 24, mac: ROUTER_MAC });
    let now = 0;
    let replies = 0;
    let writes = 0;
    const run = (outputs: DhcpOutput[]): void => {
      const queue = [...outputs];
      for (let guard = 0; queue.length > 0; guard++) {
        if (guard > 10_000) throw new Error('outputs never settle');
        const output = queue.shift()!;
        if (output.kind === 'send') {
          if (output.from !== 67 && output.toPort !== 68) continue; // its own rogue-server probe
          const reply = parseDhcp(output.payload);
          if (isDhcpError(reply) || reply.op !== BOOTREPLY) throw new Error(`the server sent a malformed reply (${String(reply)})`);
          replies++;
        } else if (output.kind === 'probe') queue.push(...server.probeResult(output.ip, rng.chance(0.05), now));
        else if (output.kind === 'persist') {
          writes++;
          queue.push(...server.persisted(output.ticket, rng.chance(0.98), now));
        }
      }
    };
    run(server.dispatch(now));
    return {
      feed(input) {
        const head = input[0] ?? 0;
        now += (head >> 5) * (head & 1 ? 1000 : 7);
        const due = server.pollAt();
        if (due !== undefined && due <= now) run(server.dispatch(now));
        const port = (head & 0x1e) === 0x1e ? 'wan' : 'lan';
        const srcIp = head & 2 ? ROUTER_IP + 100 + (head & 0x1c) : 0;
        run(server.receive({ port, payload: input.subarray(1), srcIp, broadcast: (head & 4) === 0 }, now));
        return undefined;
      },
      audit(fed) {
        const c = server.counters();
        let counted = 0;
        for (const [name, n] of Object.entries(c)) if (name.startsWith('dhcp.rx.') || EARLY_DROPS.includes(name.slice(5))) counted += n;
        const leases = server.leaseTable().length;
        const problems: string[] = [];
        if (counted !== fed) problems.push(`${fed} messages in, ${counted} counted as received or dropped early`);
        if (leases > 254) problems.push(`${leases} leases on a /24`);
        return problems;
      },
      figures(): Figure[] {
        return [{ what: 'replies sent (each parsed back), flash writes', value: `${count(replies)}, ${count(writes)}` }];
      },
    };
  },
};
