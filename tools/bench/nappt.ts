// Benchmark: the NAPPT forwarder's translation code path in Node (no I/O): outbound and inbound on
// the phones' port-preserving path, and ordinary NAPT both ways. Each run rewrites a real frame in
// place through the forward hook; the cost of restoring the frame between packets is measured on
// its own and subtracted. Prints median ns/packet and packets/s over several runs, and the heap
// growth over a run (allocation per packet would show here). Asserts nothing.
// Usage: node --expose-gc --import tsx tools/bench/nappt.ts [--packets N] [--runs R]
import { NapptForwarder, DEFAULT_NAPPT_CONFIG } from '../../firmware/nappt';
import type { LeaseDirectory, LeaseInfo } from '../../firmware/dhcp/types';
import type { PortName } from '../../hal/hal';
import { internetChecksum, pseudoHeaderSum } from '../../firmware/wire/checksum';
import { parseIp, writeIp } from '../../firmware/util/ipv4';
import { median, numberOption } from './cli';

const PACKETS = numberOption('--packets', 1_000_000);
const RUNS = numberOption('--runs', 7);

const ip = (text: string) => parseIp(text) as number;
const LAN_IP = ip('192.168.10.1');
const PUBLIC = ip('198.51.100.2');
const GATEWAY = ip('198.51.100.1');
const REMOTE = ip('203.0.113.7');
const PHONE = { mac: Uint8Array.from([0, 0x15, 0x65, 0, 0, 0x0a]), ip: ip('192.168.10.100'), block: { first: 16384, last: 16895, psidLength: 7, psid: 32 } };
const GUEST = { mac: Uint8Array.from([0x3c, 0x22, 0xfb, 0, 0, 1]), ip: ip('192.168.10.150') };

const leaseList: LeaseInfo[] = [
  { mac: PHONE.mac, ip: PHONE.ip, phoneClass: 'bench', block: PHONE.block, expiresAt: Infinity, bootFile: undefined, vars: {} },
  { mac: GUEST.mac, ip: GUEST.ip, phoneClass: undefined, block: undefined, expiresAt: Infinity, bootFile: undefined, vars: {} },
];
const leases: LeaseDirectory = {
  byIp: (address) => leaseList.find((l) => l.ip === address),
  byPublicPort: () => undefined,
  all: () => leaseList,
  subscribe: () => () => undefined,
};

let sent = 0;
const lanAddress = { ip: LAN_IP, prefixLength: 24 };
const stack = {
  address: (port: PortName) => (port === 'lan' ? lanAddress : undefined),
  sendIpFrame: (_port: PortName, _nextHop: number, _frame: Uint8Array) => {
    sent++;
    return true;
  },
};
let now = 1000;
const forwarder = new NapptForwarder({ stack, leases, now: () => now, config: { ...DEFAULT_NAPPT_CONFIG, filtering: 'address-and-port-dependent' } });
forwarder.setWan({ address: PUBLIC, prefixLength: 24, gateway: GATEWAY });

/** An Ethernet + IPv4 + UDP frame with 100 bytes of payload (a G.711 20 ms RTP packet is 172). */
function udpFrame(srcMac: Uint8Array, src: number, dst: number, srcPort: number, dstPort: number): Uint8Array {
  const frame = new Uint8Array(14 + 20 + 8 + 100);
  frame.set(srcMac, 6);
  frame[12] = 0x08;
  frame[14] = 0x45;
  frame[16] = 0;
  frame[17] = 128;
  frame[22] = 64;
  frame[23] = 17;
  writeIp(frame, 26, src);
  writeIp(frame, 30, dst);
  const ipSum = internetChecksum(frame, 14, 34);
  frame[24] = ipSum >> 8;
  frame[25] = ipSum & 0xff;
  frame[34] = srcPort >> 8;
  frame[35] = srcPort & 0xff;
  frame[36] = dstPort >> 8;
  frame[37] = dstPort & 0xff;
  frame[39] = 108;
  frame.fill(0x5a, 42);
  const sum = internetChecksum(frame, 34, 142, pseudoHeaderSum(src, dst, 17, 108));
  frame[40] = sum >> 8;
  frame[41] = sum & 0xff;
  return frame;
}

// A guest mapping to reply to: translate one outbound packet and read the public port back.
const guestOut = udpFrame(GUEST.mac, GUEST.ip, REMOTE, 40000, 53);
forwarder.hook('lan', guestOut.slice(), 14);
const guestPublicPort = forwarder.mappings()[0].externalPort;

const scenarios: { name: string; port: PortName; template: Uint8Array }[] = [
  { name: 'outbound phone (port kept)', port: 'lan', template: udpFrame(PHONE.mac, PHONE.ip, REMOTE, 16400, 5060) },
  { name: 'inbound phone (block lookup)', port: 'wan', template: udpFrame(new Uint8Array(6), REMOTE, PUBLIC, 5060, 16400) },
  { name: 'outbound NAPT (mapping hit)', port: 'lan', template: guestOut },
  { name: 'inbound NAPT (filter + mapping)', port: 'wan', template: udpFrame(new Uint8Array(6), REMOTE, PUBLIC, 53, guestPublicPort) },
];

function runHook(port: PortName, template: Uint8Array, frame: Uint8Array, packets: number): number {
  const hook = forwarder.hook;
  const start = process.hrtime.bigint();
  for (let i = 0; i < packets; i++) {
    frame.set(template);
    hook(port, frame, 14);
  }
  return Number(process.hrtime.bigint() - start);
}

function runCopyOnly(template: Uint8Array, frame: Uint8Array, packets: number): number {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < packets; i++) {
    frame.set(template);
    sink += frame[23];
  }
  const elapsed = Number(process.hrtime.bigint() - start);
  if (sink === -1) console.log(sink);
  return elapsed;
}

const gc = (globalThis as { gc?: () => void }).gc;

console.log(`NAPPT translation, code path only (Node ${process.version}), ${PACKETS.toLocaleString('en')} packets x ${RUNS} runs, 142-byte UDP frames`);
console.log('scenario                          ns/packet   packets/s   (frame restore ns, subtracted)  max heap growth');
// Warm every scenario up first so the shared code is optimised for all of them before timing.
const frames = scenarios.map((scenario) => new Uint8Array(scenario.template.length));
scenarios.forEach((scenario, i) => {
  runHook(scenario.port, scenario.template, frames[i], 300_000);
  runCopyOnly(scenario.template, frames[i], 300_000);
});
const hookNs = scenarios.map(() => [] as number[]);
const copyNs = scenarios.map(() => [] as number[]);
const growth = scenarios.map(() => 0);
for (let r = 0; r < RUNS; r++) {
  scenarios.forEach((scenario, i) => {
    gc?.();
    const before = process.memoryUsage().heapUsed;
    hookNs[i].push(runHook(scenario.port, scenario.template, frames[i], PACKETS) / PACKETS);
    growth[i] = Math.max(growth[i], process.memoryUsage().heapUsed - before);
    copyNs[i].push(runCopyOnly(scenario.template, frames[i], PACKETS) / PACKETS);
  });
}
scenarios.forEach((scenario, i) => {
  const perPacket = Math.max(0, median(hookNs[i]) - median(copyNs[i]));
  const bytesPerPacket = growth[i] / PACKETS;
  console.log(
    `${scenario.name.padEnd(34)}${perPacket.toFixed(1).padStart(9)}   ${(1e9 / perPacket / 1e6).toFixed(2).padStart(6)} M   (${median(copyNs[i]).toFixed(1)})${' '.repeat(26)}${gc ? `${bytesPerPacket.toFixed(2)} B/packet` : 'run with --expose-gc'}`,
  );
});
const counters = forwarder.counters();
console.log(`frames sent ${sent.toLocaleString('en')}; drops ${Object.entries(forwarder.drops()).filter(([, n]) => n > 0).map(([k, n]) => `${k}=${n}`).join(' ') || 'none'}; out-phone ${counters['out-phone']} in-phone ${counters['in-phone']} out-napt ${counters['out-napt']} in-napt ${counters['in-napt']}`);
