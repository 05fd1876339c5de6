// The floods, one function each: it schedules `total` hostile frames (or console bytes) at a rate on
// the office bed and returns what to report and check once the run is over.
import { Rng } from '../../../hal/sim/random';
import { BROADCAST, buildArp, buildUdp, buildIpv4 } from '../../../hal/sim/frames';
import { fillIpv4Checksum } from '../../../firmware/wire';
import { Opt, MessageType, emitDhcp, BOOTREQUEST, FLAG_BROADCAST } from '../../../firmware/wire/dhcp';
import { buildRequest, Opcode } from '../../../firmware/wire/tftp';
import { DEMO_IMAGE } from '../../../tools/sim/office';
import type { OfficeBed } from '../office';
import { PUBLIC_IP, ROUTER_LAN_IP } from '../office';
import { SimPhone } from '../../dhcp/sim-phone';

export interface Attack {
  /** Virtual ms the flood lasts. */
  readonly durationMs: number;
  /** After the run: figures and problems (the phones are checked by the caller). */
  finish(): { figures: Record<string, string>; problems: string[] };
}

/** Call `send(i)` for i in [0, total) spread evenly over `durationMs`, in 1 ms batches. */
function spread(bed: OfficeBed, total: number, perSecond: number, send: (i: number) => void): number {
  const durationMs = Math.ceil((total / perSecond) * 1000);
  let sent = 0;
  const scheduler = bed.bed.scheduler;
  const start = scheduler.now();
  const step = (): void => {
    const due = Math.min(total, Math.ceil(((scheduler.now() - start + 1) * perSecond) / 1000));
    while (sent < due) send(sent++);
    if (sent < total) scheduler.after(1, step);
  };
  scheduler.after(0, step);
  return durationMs;
}

const randomMac = (rng: Rng): Uint8Array => {
  const mac = new Uint8Array(6);
  rng.fill(mac);
  mac[0] = (mac[0] & 0xfe) | 0x02; // unicast, locally administered
  return mac;
};

const n = (x: number): string => x.toLocaleString('en');

/**
 * DISCOVERs from random MACs, half claiming to be Yealink phones, never following up. The Yealink
 * class admits only its phones' OUI, as the README tells owners to set it: without that, clients
 * claiming the class from random MACs hold every phone offer slot (see the README's limits).
 */
export async function dhcpDiscoverFlood(bed: OfficeBed, total: number, seed: number): Promise<Attack> {
  const rng = new Rng(seed ^ 0xd15c);
  bed.bed.board.console.type('phone-class yealink mac 80:5e:c0\r');
  await bed.run(500);
  const attacker = bed.host('discover-flooder', '02:66:66:00:00:01');
  const buffer = new Uint8Array(576);
  const durationMs = spread(bed, total, 2000, () => {
    const mac = randomMac(rng);
    const options: { code: number; value: Uint8Array }[] = [{ code: Opt.MESSAGE_TYPE, value: Uint8Array.of(MessageType.DISCOVER) }, { code: Opt.PARAMETER_LIST, value: Uint8Array.of(1, 3, 6, 66, 67, 159) }];
    if (rng.chance(0.5)) options.push({ code: Opt.VENDOR_CLASS, value: new TextEncoder().encode('yealink SIP-T46S') });
    const { length } = emitDhcp({ op: BOOTREQUEST, xid: rng.nextU32(), flags: FLAG_BROADCAST, chaddr: mac, options }, buffer, 576);
    attacker.send(buildUdp(mac, BROADCAST, 0, 0xffffffff, 68, 67, buffer.subarray(0, length)));
  });
  return {
    durationMs,
    finish() {
      const server = bed.dhcp().server;
      const c = server.counters();
      const leases = server.leaseTable();
      const bound = leases.filter((l) => l.state === 'bound').length;
      const problems: string[] = [];
      if (leases.length > 254) problems.push(`${leases.length} leases on a /24`);
      if (bound > bed.office.phones.length) problems.push(`${bound} leases bound, only ${bed.office.phones.length} phones asked`);
      const drops = Object.entries(c).filter(([k]) => k.startsWith('dhcp.drop.')).map(([k, v]) => `${k.slice(10)} ${n(v)}`).join(', ');
      return {
        figures: {
          'DISCOVERs received, offers sent': `${n(c['dhcp.rx.discover'] ?? 0)}, ${n(c['dhcp.tx.offer'] ?? 0)}`,
          'DISCOVERs dropped': drops || 'none',
          'lease table at the end (entries, bound)': `${leases.length}, ${bound}`,
        },
        problems,
      };
    },
  };
}

/** A guest with a lease opens one new UDP flow per packet (new destination address and port). */
export async function guestFlowFlood(bed: OfficeBed, total: number, seed: number): Promise<Attack> {
  const rng = new Rng(seed ^ 0xf10f);
  const host = bed.host('guest-pc', '02:77:77:00:00:01');
  const guest = new SimPhone(host, bed.bed.scheduler, rng.fork(), {});
  guest.boot();
  await bed.run(3000);
  const ip = guest.lease?.yiaddr;
  if (ip === undefined) throw new Error('the guest got no lease');
  const routerMac = bed.bed.board.ports.lan.mac;
  const payload = new Uint8Array(32);
  const durationMs = spread(bed, total, 5000, (i) => {
    const dst = (0xc6336400 | (i & 0xff)) >>> 0; // 198.51.100.x
    host.send(buildUdp(host.mac, routerMac, ip, dst, 1024 + (i % 60000), 1 + ((i * 7919) % 65535), payload));
  });
  return {
    durationMs,
    finish() {
      const forwarder = bed.nappt().forwarder;
      const mine = forwarder.mappings().filter((m) => m.internalIp === ip).length;
      const all = forwarder.mappings().length;
      const drops = forwarder.drops();
      const c = forwarder.counters();
      const problems: string[] = [];
      if (mine > 256) problems.push(`the guest holds ${mine} mappings (limit 256 per host)`);
      const refused = Object.entries(drops).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${n(v)}`).join(', ');
      return {
        figures: {
          'flows attempted, translated out by NAPT': `${n(total)}, ${n(c['out-napt'])}`,
          'mappings at the end (the guest, all)': `${mine}, ${all}`,
          'drops by reason': refused || 'none',
        },
        problems,
      };
    },
  };
}

/** ARP requests and replies from random MACs and addresses (never a phone's), for the router and others. */
export function arpFlood(bed: OfficeBed, total: number, seed: number): Attack {
  const rng = new Rng(seed ^ 0xa4a4);
  const attacker = bed.host('arp-flooder', '02:88:88:00:00:01');
  const phoneIps = (): Set<number> => new Set(bed.office.phones.map((p) => p.address).filter((a): a is number => a !== undefined));
  const durationMs = spread(bed, total, 5000, () => {
    const mac = randomMac(rng);
    let sender = (0xc0a80100 | rng.int(256)) >>> 0;
    if (phoneIps().has(sender) || sender === ROUTER_LAN_IP) sender = 0xc0a801fe;
    const target = rng.chance(0.5) ? ROUTER_LAN_IP : (0xc0a80100 | rng.int(256)) >>> 0;
    attacker.send(rng.chance(0.7) ? buildArp('request', mac, sender, new Uint8Array(6), target) : buildArp('reply', mac, sender, bed.bed.board.ports.lan.mac, target));
  });
  return {
    durationMs,
    finish() {
      const c = bed.firmware().stack.counters();
      const arp = Object.entries(c).filter(([k]) => k.startsWith('arp')).map(([k, v]) => `${k} ${n(v)}`).join(', ');
      return { figures: { 'ARP counters': arp }, problems: [] };
    },
  };
}

/** IPv4 fragments that never complete: from a LAN host to the WAN and from the WAN to the public address. */
export function fragmentFlood(bed: OfficeBed, total: number, seed: number): Attack {
  const rng = new Rng(seed ^ 0xf4a9);
  const lan = bed.host('frag-lan', '02:99:99:00:00:01');
  const wan = bed.host('frag-wan', '02:99:99:00:00:02', 'wan');
  const routerLan = bed.bed.board.ports.lan.mac;
  const routerWan = bed.bed.board.ports.wan.mac;
  const body = new Uint8Array(600);
  const durationMs = spread(bed, total, 5000, (i) => {
    const first = rng.chance(0.5);
    const fromWan = i % 2 === 1;
    // A first fragment carries a UDP header (to a phone's block from the WAN); a later one only data.
    const port = 16384 + rng.int(512);
    const transport = first ? Uint8Array.from([0x13, 0xc4, port >> 8, port & 0xff, 0x10, 0, 0, 0, ...body]) : body;
    const frame = fromWan
      ? buildIpv4(wan.mac, routerWan, 0xc6336407, PUBLIC_IP, 17, transport, { identification: rng.int(65536) })
      : buildIpv4(lan.mac, routerLan, 0xc0a80132, 0xc6336407, 17, transport, { identification: rng.int(65536) });
    const offset = first ? 0 : 8 + rng.int(1000);
    const more = first || rng.chance(0.5);
    frame[20] = (more ? 0x20 : 0) | (offset >> 8);
    frame[21] = offset & 0xff;
    fillIpv4Checksum(frame, 14);
    (fromWan ? wan : lan).send(frame);
  });
  return {
    durationMs,
    finish() {
      const c = bed.nappt().forwarder.counters();
      const d = bed.nappt().forwarder.drops();
      const fragDrops = Object.entries(d).filter(([k, v]) => v > 0 && /frag/.test(k)).map(([k, v]) => `${k} ${n(v)}`).join(', ');
      const problems: string[] = [];
      if (c['fragments-held'] > 64) problems.push(`${c['fragments-held']} fragments held at the end`);
      return {
        figures: {
          'fragments held (ever, at the end), released, timed out': `${n(c['fragment-held'])}, ${c['fragments-held']}, ${n(c['fragment-released'])}, ${n(c['fragment-hold-timeout'])}`,
          'fragment drops by reason': fragDrops || 'none',
        },
        problems,
      };
    },
  };
}

/** Read requests from one LAN host's many ports (images, missing names, others' files), never acknowledged. */
export function tftpRequestFlood(bed: OfficeBed, total: number, seed: number): Attack {
  const rng = new Rng(seed ^ 0x7f7f);
  const attacker = bed.host('tftp-flooder', '02:aa:aa:00:00:01');
  const routerMac = bed.bed.board.ports.lan.mac;
  const names = [DEMO_IMAGE, 'missing.bin', '805ec0000001.cfg', '../etc/passwd', 'x'.repeat(300)];
  const durationMs = spread(bed, total, 2000, (i) => {
    const request = buildRequest(Opcode.RRQ, names[rng.int(names.length)], 'octet', rng.chance(0.5) ? [{ name: 'blksize', value: '1468' }, { name: 'windowsize', value: '16' }] : []);
    attacker.send(buildUdp(attacker.mac, routerMac, 0xc0a80133, ROUTER_LAN_IP, 1024 + (i % 64000), 69, request));
  });
  return {
    durationMs,
    finish() {
      const s = bed.tftp().status();
      const problems: string[] = [];
      if (s.totals.peakConcurrent > 64) problems.push(`${s.totals.peakConcurrent} transfers at once`);
      const errors = Object.entries(s.errors).sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, v]) => `${k} ${n(v)}`).join(', ');
      return {
        figures: {
          'requests seen, peak transfers at once, transfers failed': `${n(s.totals.requests)}, ${s.totals.peakConcurrent}, ${n(s.totals.failed)}`,
          'refusals and drops (top 5)': errors || 'none',
        },
        problems,
      };
    },
  };
}

/** Random bytes, escape sequences and over-long lines typed at the console, then a command that must answer. */
export function consoleFlood(bed: OfficeBed, totalBytes: number, seed: number): Attack {
  const rng = new Rng(seed ^ 0xc0c0);
  const chunk = 512;
  const pieces = ['\x1b[A', '\x1b[99999;9999H', '\x03', '\t', '?', 'show ', 'set ', 'x'.repeat(1500), '\r'];
  const durationMs = spread(bed, Math.ceil(totalBytes / chunk), 20, () => {
    const bytes = new Uint8Array(chunk);
    rng.fill(bytes);
    // Keep the flood from logging out or rebooting: no Ctrl-D and no line that could be a command of those.
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x04 || bytes[i] === 0x0d || bytes[i] === 0x0a) bytes[i] = 0x20;
    bed.bed.board.console.type(bytes);
    bed.bed.board.console.type(pieces[rng.int(pieces.length)] + '\x03');
  });
  return {
    durationMs,
    finish() {
      return { figures: { 'console bytes typed': n(totalBytes) }, problems: [] };
    },
  };
}

