// Benchmark and figures for the DHCP server (asserts nothing):
//  1. DORA exchanges/s of the server's code path (pure DhcpServer in Node, no I/O; probes and
//     flash writes answered at once): guests (address only) and phones (address + port block).
//  2. Memory per lease: heap growth over N bound leases (needs --expose-gc).
//  3. Flash wear: 200 phones on the simulated router with its real flash store, leases of 1 h
//     renewed at T1 for 24 virtual hours; bytes appended and blocks erased, per day.
// Usage: node --expose-gc --import tsx tools/bench/dhcp.ts [--clients N] [--runs R] [--hours H]
import { DhcpServer, type DhcpOutput } from '../../firmware/dhcp/server';
import type { DhcpConfig } from '../../firmware/dhcp/config';
import { DEFAULT_DHCP_CONFIG } from '../../firmware/dhcp/defaults';
import { parseIp } from '../../firmware/util/ipv4';
import { BOOTREQUEST, MessageType, Opt, emitDhcp, parseDhcp, isDhcpError, type DhcpOption } from '../../firmware/wire/dhcp';
import { u32Value } from '../../firmware/wire/dhcp-options';
import { Testbed } from '../../hal/sim/testbed';
import { routerFirmware, tick, SIM_ROUTER_CONFIG, type Router } from '../../test/dhcp/sim-router';
import { withValue } from '../../firmware/config';
import { SimPhone } from '../../test/dhcp/sim-phone';
import { macOf } from '../../test/dhcp/client';
import { median, numberOption } from './cli';

const CLIENTS = numberOption('--clients', 20_000);
const RUNS = numberOption('--runs', 5);
const HOURS = numberOption('--hours', 24);
const ROUTER = parseIp('10.0.0.1')!;
const text = (value: string) => new TextEncoder().encode(value);

function message(mac: Uint8Array, xid: number, type: number, vendor: string, requested?: number): Uint8Array {
  const options: DhcpOption[] = [
    { code: Opt.MESSAGE_TYPE, value: Uint8Array.of(type) },
    { code: Opt.VENDOR_CLASS, value: text(vendor) },
    { code: Opt.PARAMETER_LIST, value: Uint8Array.of(1, 3, 6, 51, 54, 66, 67, 150, 159) },
  ];
  if (requested !== undefined) {
    options.push({ code: Opt.REQUESTED_IP, value: u32Value(requested) }, { code: Opt.SERVER_ID, value: u32Value(ROUTER) });
  }
  const buffer = new Uint8Array(548);
  const { length } = emitDhcp({ op: BOOTREQUEST, xid, chaddr: mac, options }, buffer);
  return buffer.slice(0, length);
}

function server(config: DhcpConfig): DhcpServer {
  const s = new DhcpServer(config, () => 1);
  s.setNetwork({ ip: ROUTER, prefixLength: 8, mac: Uint8Array.of(2, 0, 0, 0, 0, 1) });
  s.dispatch(0);
  return s;
}

/** Run the server's outputs to completion: writes and probes answered at once, sends counted. */
function settle(s: DhcpServer, outputs: DhcpOutput[], now: number): Uint8Array | undefined {
  let sent: Uint8Array | undefined;
  const queue = outputs;
  while (queue.length > 0) {
    const output = queue.shift()!;
    if (output.kind === 'send') sent = output.payload;
    else if (output.kind === 'persist') queue.push(...s.persisted(output.ticket, true, now));
    else if (output.kind === 'probe') queue.push(...s.probeResult(output.ip, false, now));
  }
  return sent;
}

function doraRun(kind: 'guest' | 'phone', clients: number): { perSecond: number; bound: number } {
  const phone = kind === 'phone';
  const config: DhcpConfig = {
    ...DEFAULT_DHCP_CONFIG,
    pool: { first: '10.1.0.1', last: '10.1.255.254' },
    guestPool: { first: '10.2.0.1', last: '10.2.255.254' },
    reservedPorts: [],
    probeNewAddresses: false,
    maxOutstandingOffers: clients,
    perMacBurst: 1000,
  };
  const s = server(config);
  const discovers = Array.from({ length: clients }, (_, i) => message(macOf(i), i, MessageType.DISCOVER, phone ? 'yealink' : 'MSFT 5.0'));
  let busy = 0n;
  let bound = 0;
  for (let i = 0; i < clients; i++) {
    const t0 = process.hrtime.bigint();
    const offer = settle(s, s.receive({ port: 'lan', payload: discovers[i], srcIp: 0, broadcast: true }, i), i);
    busy += process.hrtime.bigint() - t0;
    const parsed = offer && parseDhcp(offer);
    if (!parsed || isDhcpError(parsed)) continue;
    const request = message(macOf(i), i, MessageType.REQUEST, phone ? 'yealink' : 'MSFT 5.0', parsed.yiaddr);
    const t1 = process.hrtime.bigint();
    const ack = settle(s, s.receive({ port: 'lan', payload: request, srcIp: 0, broadcast: true }, i), i);
    busy += process.hrtime.bigint() - t1;
    if (ack) bound++;
  }
  return { perSecond: bound / (Number(busy) / 1e9), bound };
}

function memoryPerLease(clients: number): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  const config: DhcpConfig = {
    ...DEFAULT_DHCP_CONFIG,
    pool: { first: '10.1.0.1', last: '10.1.255.254' },
    reservedPorts: [],
    probeNewAddresses: false,
    maxOutstandingOffers: clients,
  };
  const s = server(config);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < clients; i++) {
    const mac = macOf(i);
    const offer = settle(s, s.receive({ port: 'lan', payload: message(mac, i, MessageType.DISCOVER, 'yealink'), srcIp: 0, broadcast: true }, i), i);
    const parsed = offer && parseDhcp(offer);
    if (!parsed || isDhcpError(parsed)) continue;
    settle(s, s.receive({ port: 'lan', payload: message(mac, i, MessageType.REQUEST, 'yealink', parsed.yiaddr), srcIp: 0, broadcast: true }, i), i);
  }
  gc();
  const after = process.memoryUsage().heapUsed;
  const bound = s.status().leases.bound;
  return (after - before) / bound;
}

async function flashWear(hours: number): Promise<void> {
  const bed = new Testbed<Router>({ seed: 3 });
  let router!: Router;
  bed.board.onBoot = (firmware) => (router = firmware);
  bed.start((hal) => routerFirmware(hal, withValue(SIM_ROUTER_CONFIG, 'dhcp.lease-time', 3600)));
  await bed.runAsync(5000, tick);
  const rng = bed.board.rng.fork();
  const phones = Array.from({ length: 200 }, (_, i) => {
    const host = bed.addHost({ name: `p${i}`, mac: macOf(i) });
    return new SimPhone(host, bed.scheduler, rng.fork(), { vendorClass: i % 4 ? 'yealink' : 'Polycom' });
  });
  const usage0 = router.store!.usage();
  const stats0 = router.store!.stats();
  for (const phone of phones) bed.scheduler.after(rng.int(100), () => phone.boot());
  await bed.runAsync(120_000, tick);
  const stats1 = router.store!.stats();
  const usage1 = router.store!.usage();
  const erases = (u: typeof usage0) => u.eraseCounts.reduce((a, b) => a + b, 0);
  const renewedBefore = phones.reduce((n, p) => n + p.acks.length, 0);
  await bed.runAsync(hours * 3600_000, tick);
  const stats2 = router.store!.stats();
  const usage2 = router.store!.usage();
  const acks = phones.reduce((n, p) => n + p.acks.length, 0) - renewedBefore;
  const blockSize = router.hal.flash.blockSize;
  console.log(`flash wear, 200 phones, 1 h leases renewed at T1 (30 min), ${hours} virtual hours (flash: ${blockSize / 1024} KiB erase blocks):`);
  console.log(`  boot storm (200 new bindings): ${stats1.appendedBytes - stats0.appendedBytes} bytes appended, ${erases(usage1) - erases(usage0)} erases, ${router.service!.server.counters()['dhcp.persist.writes']} group commits`);
  console.log(`  ${acks} renewal ACKs in ${hours} h: ${stats2.appendedBytes - stats1.appendedBytes} bytes appended, ${erases(usage2) - erases(usage1)} erases`);
  const perDay = ((erases(usage2) - erases(usage1)) * 24) / hours;
  console.log(`  erase rate from renewals: ${perDay.toFixed(2)} erases/day (renewals change no binding, so nothing is written)`);
  // For comparison: a design that wrote the touched 16-lease shard on every renewal.
  const shardBytes = 18 + 16 * 40;
  const naive = (200 * 48 * (shardBytes + 64)) / blockSize;
  console.log(`  (a write per renewal would be ~${shardBytes + 64} bytes x ${200 * 48}/day = ~${naive.toFixed(0)} erases/day)`);
  for (const phone of phones) phone.stop();
}

async function main(): Promise<void> {
  console.log(`DORA code path, ${CLIENTS} clients per run, median of ${RUNS} runs:`);
  for (const kind of ['guest', 'phone'] as const) {
    const clients = kind === 'phone' ? Math.min(CLIENTS, 1000) : CLIENTS;
    const rates: number[] = [];
    doraRun(kind, clients); // warm-up: let the JIT settle
    for (let run = 0; run < RUNS; run++) rates.push(doraRun(kind, clients).perSecond);
    console.log(`  ${kind}s (${clients}): ${Math.round(median(rates))} DORA/s (${(1e6 / median(rates)).toFixed(1)} us per exchange)`);
  }
  const perLease = memoryPerLease(Math.min(CLIENTS, 1000));
  console.log(perLease === undefined ? 'memory per lease: run with node --expose-gc' : `memory per lease: ~${Math.round(perLease)} bytes of JS heap (phone leases with blocks, 1000 bound)`);
  if (HOURS > 0) await flashWear(HOURS);
}

void main();
