// Benchmark: the stack's per-frame path for transit traffic (receive on LAN -> Ethernet/IPv4
// validation with header checksum -> forward hook -> sendIpFrame out of WAN through the ARP cache),
// and heap growth across two run lengths to show the path allocates nothing per frame.
// The NAPPT rewrite itself is not included. Prints figures; asserts nothing.
// Usage: node --expose-gc --import tsx tools/bench/stack-forward.ts
import type { Hal, Port, PortName } from '../../hal/hal';
import { createStack } from '../../firmware/stack';
import { EtherType, emitArp, emitIpv4, emitUdp, writeEthernetHeader, IpProtocol } from '../../firmware/wire';

function port(name: PortName, last: number): Port {
  return { name, mac: Uint8Array.from([2, 0, 0, 0, 0, last]), mtu: 1500, linkUp: () => true, send: () => true };
}

const hal: Hal = {
  board: { name: 'bench', arch: 'node', console: { device: 'none', baud: 115200 }, memoryBudgetKiB: 0, forwarding: 'ports', offload: 'none' },
  ports: { lan: port('lan', 1), wan: port('wan', 2) },
  flash: undefined as never,
  console: { write: () => {} },
  now: () => 0,
  wallClock: () => undefined,
  setTimer: () => {
    throw new Error('unused');
  },
  clearTimer: () => {},
  randomFill: (into) => into.fill(7),
  reboot: () => {},
};

const stack = createStack(hal);
stack.setAddress('lan', { ip: 0xc0a80101, prefixLength: 24 });
const gateway = 0xcb007101; // 203.0.113.1, above 2^31 on purpose
stack.setAddress('wan', { ip: gateway + 1, prefixLength: 30, gateway });
// Teach the WAN side the gateway's MAC with an ARP request from it.
const arp = new Uint8Array(42);
writeEthernetHeader(arp, Uint8Array.from([255, 255, 255, 255, 255, 255]), Uint8Array.from([10, 0, 0, 0, 0, 9]), EtherType.ARP);
emitArp({ operation: 1, senderMac: Uint8Array.from([10, 0, 0, 0, 0, 9]), senderIp: gateway, targetMac: new Uint8Array(6), targetIp: gateway + 1 }, arp, 14);
(hal.ports.wan.onFrame as (frame: Uint8Array) => void)(arp);
let sink = 0;
stack.setForwardHook((_port, frame, ipOffset) => {
  sink += frame[ipOffset + 9];
  return stack.sendIpFrame('wan', gateway, frame);
});

// A G.711 RTP packet from a phone to the internet: 172 bytes of UDP payload.
const payload = new Uint8Array(172);
const frame = new Uint8Array(14 + 20 + 8 + payload.length);
writeEthernetHeader(frame, hal.ports.lan.mac, Uint8Array.from([10, 0, 0, 0, 0, 5]), EtherType.IPv4);
const src = 0xc0a80132;
const dst = 0xc6336407;
emitIpv4({ dscp: 46, ecn: 0, identification: 1, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol: IpProtocol.UDP, src, dst, options: new Uint8Array(0), payloadLength: 8 + payload.length }, frame, 14);
emitUdp({ srcPort: 10000, dstPort: 20000, payload }, frame, 34, src, dst);

const onFrame = hal.ports.lan.onFrame as (frame: Uint8Array) => void;
const gc = (globalThis as { gc?: () => void }).gc;

function run(frames: number): { nsPerFrame: number; heapGrowthKiB: number } {
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  for (let i = 0; i < frames; i++) onFrame(frame);
  const elapsed = Number(process.hrtime.bigint() - start);
  const after = process.memoryUsage().heapUsed;
  return { nsPerFrame: elapsed / frames, heapGrowthKiB: (after - before) / 1024 };
}

run(500_000); // warm up the JIT
const short = run(1_000_000);
const long = run(10_000_000);
// Timing on a shared 2-core VM is noisy: report the median of five runs of 2M frames.
const times = [0, 1, 2, 3, 4].map(() => run(2_000_000).nsPerFrame).sort((a, b) => a - b);
const median = times[2];
console.log(`stack forward path, ${frame.length}-byte frame (Node ${process.versions.node}${gc ? '' : ', run with --expose-gc for heap figures'}):`);
console.log(`  median ${median.toFixed(1)} ns/frame = ${(1000 / median).toFixed(2)} M frames/s (runs: ${times.map((t) => t.toFixed(0)).join(', ')} ns)`);
console.log(`  heap growth: ${short.heapGrowthKiB.toFixed(0)} KiB over 1M frames, ${long.heapGrowthKiB.toFixed(0)} KiB over 10M frames (flat = no per-frame allocation)`);
console.log(`  outcomes: ${JSON.stringify(stack.frameOutcomes())}, tx ${stack.counters()['tx.frames']} (sink ${sink})`);
