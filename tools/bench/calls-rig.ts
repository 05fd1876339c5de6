// Concurrent calls through the router on the veth rig: the largest number of calls carried at under
// 0.1% loss, for router mode (the kernel as Plugboard programs it), ports mode (Plugboard's own
// forwarder) and the kernel with one plain nftables masquerade rule, in the same run.
// A call is what a phone's RTP stream looks like: 200-byte UDP datagrams at 50 packets/s in each
// direction, phone to a far host on the WAN and back, one local port per call. The generator is
// pbcalls (hal/native/tools/pbcalls.c): `dial` in the phone namespace, `serve` on the WAN host.
// The phone uses the class `yealink` with a 16,384-port block, so in both Plugboard modes every
// call rides the phone path (port kept). Search: double from 50 calls until a trial loses 0.1% or
// more, then bisect to 5%. Medians of several runs. Prints; asserts nothing.
// On this 2-core VM the generator, the far host and the forwarding share the cores, so the kernel
// figure is bounded by the generator, not by the kernel; the ratios are the point.
// Usage: npx tsx tools/bench/calls-rig.ts [--runs 3] [--seconds 4] [--max 8192] [--modes router,ports,kernel] [--chart file.svg]
//   (root; bash hal/native/build.sh && npm run build first)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, RUNTIME_BINARY, Rig, namespacesUnavailable, runAsync, udhcpcLease, wanUp, type Phone } from '../rig';
import { median, numberOption, runBench, stringOption } from './cli';
import { kernelNatRouter } from './kernel-peer';
import { writeChartIfAsked, type RatioRow } from './chart';

const RUNS = numberOption('--runs', 3);
const SECONDS = numberOption('--seconds', 4);
const MAX = numberOption('--max', 8192);
const MODES = stringOption('--modes', 'router,ports,kernel').split(',');
const GENERATOR = join(RUNTIME_BINARY, '..', 'pbcalls');
const FAR_PORT = 9000;
const LOSS_LIMIT = 0.001;

type Mode = 'router' | 'ports' | 'kernel';
interface Trial {
  readonly calls: number;
  readonly loss: number;
}
interface Path {
  readonly rig: Rig;
  readonly phone: Phone;
  readonly firstPort: number;
}

const counts = (line: string | undefined, field: string): number => Number(new RegExp(`${field} (\\d+)`).exec(line ?? '')?.[1] ?? NaN);

async function trial(path: Path, calls: number): Promise<Trial> {
  const { rig, phone, firstPort } = path;
  const far = runAsync(rig.wanNs, [GENERATOR, 'serve', rig.wanHostAddress, String(FAR_PORT), String(SECONDS + 2)], (SECONDS + 10) * 1000);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const near = await phone.runAsync([GENERATOR, 'dial', rig.wanHostAddress, String(FAR_PORT), String(calls), String(SECONDS), String(firstPort)], (SECONDS + 10) * 1000);
  const farResult = await far;
  const dial = /^dial .*/m.exec(near.stdout)?.[0];
  const serve = /^serve .*/m.exec(farResult.stdout)?.[0];
  if (!dial || !serve) throw new Error(`pbcalls printed nothing useful:\n${near.stdout}${near.stderr}\n${farResult.stdout}${farResult.stderr}`);
  const sent = counts(dial, 'sent') + counts(serve, 'sent');
  const received = counts(dial, 'received') + counts(serve, 'received');
  return { calls, loss: sent > 0 ? Math.max(0, 1 - received / sent) : 1 };
}

/** The largest call count with loss under the limit: doubling, then bisection to 5%. */
async function largestCarried(path: Path, log: (t: Trial) => void): Promise<number> {
  let good = 0;
  let bad = 0;
  for (let calls = 50; ; calls = Math.min(calls * 2, MAX)) {
    const t = await trial(path, calls);
    log(t);
    if (t.loss >= LOSS_LIMIT) {
      bad = calls;
      break;
    }
    good = calls;
    if (calls === MAX) return good;
  }
  while (bad - good > Math.max(10, good * 0.05)) {
    const calls = Math.round((good + bad) / 2);
    const t = await trial(path, calls);
    log(t);
    if (t.loss >= LOSS_LIMIT) bad = calls;
    else good = calls;
  }
  return good;
}

async function pathFor(mode: Mode): Promise<Path> {
  if (mode === 'kernel') {
    const rig = await Rig.up({ startRouter: false });
    return { rig, phone: kernelNatRouter(rig), firstPort: 20000 };
  }
  const forwarding = mode === 'router' ? 'kernel' : 'ports';
  const rig = await Rig.up({ firmware: 'full', forwarding });
  try {
    await wanUp(rig, forwarding);
    const term = rig.console();
    try {
      term.write('\r');
      await term.expect(/plugboard> $/, 15_000);
      await term.command('phone-class yealink block-size 16384', /plugboard> $/, 10_000);
    } finally {
      term.close();
    }
    const phone = rig.addPhone('phone1');
    const lease = await udhcpcLease(phone, rig.dir, { vendorClass: 'yealink' });
    if (!lease.block || lease.block.last - lease.block.first + 1 < 2 * MAX) throw new Error(`block too small for ${MAX} calls: ${JSON.stringify(lease.block)}`);
    return { rig, phone, firstPort: lease.block.first + (lease.block.first % 2) };
  } catch (error) {
    await rig.down();
    throw error;
  }
}

const LABELS: Record<Mode, string> = {
  router: 'Plugboard router mode (kernel, phone path)',
  ports: 'Plugboard ports mode (own forwarder, phone path)',
  kernel: 'kernel, plain nftables masquerade',
};

async function main(): Promise<number> {
  const why = namespacesUnavailable() ?? (!existsSync(RUNTIME_BINARY) || !existsSync(BUNDLE) || !existsSync(GENERATOR) ? 'no native runtime, bundle or pbcalls' : undefined);
  if (why) {
    console.error(`calls bench: ${why}`);
    return 1;
  }
  const carried = new Map<Mode, number[]>();
  for (let run = 0; run < RUNS; run++) {
    // Alternate which mode goes first, so a slow patch of the machine does not fall on one mode.
    const order = (run % 2 === 0 ? MODES : [...MODES].reverse()) as Mode[];
    for (const mode of order) {
      const path = await pathFor(mode);
      try {
        const best = await largestCarried(path, (t) => console.error(`  ${mode} run ${run + 1}: ${t.calls} calls, loss ${(t.loss * 100).toFixed(3)}%`));
        carried.set(mode, [...(carried.get(mode) ?? []), best]);
      } finally {
        await path.rig.down();
      }
    }
  }
  console.log(`Concurrent calls carried at < ${LOSS_LIMIT * 100}% loss (200-byte UDP, 50 packets/s each way per call, ${SECONDS} s trials), median of ${RUNS} runs, unpinned`);
  for (const [mode, samples] of carried) console.log(`${LABELS[mode].padEnd(50)} ${String(median(samples)).padStart(6)}   (runs: ${samples.join(', ')})`);
  const kernel = carried.get('kernel');
  const chartRows: RatioRow[] = [];
  for (const mode of ['router', 'ports'] as const) {
    const mine = carried.get(mode);
    if (!mine || !kernel) continue;
    console.log(`ratio ${mode} mode / plain masquerade: ${(median(mine) / median(kernel)).toFixed(3)}`);
    chartRows.push({ label: `${mode} mode: ${median(mine)} calls`, ratio: median(mine) / median(kernel) });
  }
  writeChartIfAsked('Concurrent calls carried at < 0.1% loss', `ratio to plain nftables masquerade (${kernel ? median(kernel) : '?'} calls), same rig and generator, median of ${RUNS} runs`, chartRows);
  return 0;
}

runBench(main);
