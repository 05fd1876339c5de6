// How fast the simulation runs: a site with N LAN hosts pinging the booted router every 100 ms over
// jittery links, for 60 virtual seconds (the router's echo rate limit answers only some of them). Prints the virtual/real time ratio and frames per real second.
// Usage: npx tsx tools/bench/sim.ts [hosts=50] [virtualSeconds=60]
import { Testbed } from '../../hal/sim/testbed';
import { boot } from '../../firmware/main';
import type { Firmware } from '../../firmware/main';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function run(hosts: number, seconds: number): Promise<void> {
  const bed = new Testbed<Firmware>({ seed: 1, conditions: { latencyMs: 0.2, jitterMs: 0.1 } });
  const firmware = bed.start((hal) => boot(hal));
  await bed.runAsync(1000, tick);
  await firmware.ready;
  const routerIp = firmware.stack.address('lan')?.ip;
  if (routerIp === undefined) throw new Error('router has no LAN address');
  const pcs = Array.from({ length: hosts }, (_, i) =>
    bed.addHost({ name: `pc${i}`, mac: `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`, ip: ((routerIp & 0xffffff00) | (10 + i)) >>> 0 }),
  );
  let seq = 0;
  const ping = (): void => {
    seq++;
    for (const pc of pcs) pc.ping(routerIp, seq & 0xffff);
    if (bed.scheduler.now() < 1000 + seconds * 1000) bed.scheduler.after(100, ping);
  };
  ping();
  const started = performance.now();
  await bed.runAsync(seconds * 1000, tick);
  const realMs = performance.now() - started;
  const frames = bed.links.reduce((n, link) => n + link.stats('ab').delivered + link.stats('ba').delivered, 0);
  const replies = pcs.reduce((n, pc) => n + pc.echoReplies.length, 0);
  console.log(
    `${hosts} hosts, ${seconds} virtual s: ${realMs.toFixed(0)} real ms, ` +
      `${((seconds * 1000) / realMs).toFixed(1)}x real time, ${frames} frame deliveries (${Math.round(frames / (realMs / 1000))}/real s), ` +
      `${replies} echo replies of ${pcs.length * seq} requests (${firmware.stack.counters()['icmp.rate-limited'] ?? 0} held back by the router's echo rate limit)`,
  );
}

const hosts = Number(process.argv[2] ?? 50);
const seconds = Number(process.argv[3] ?? 60);
void run(hosts, seconds);
