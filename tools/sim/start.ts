// `npm start`: boots the firmware on the simulated board in real time, with its serial console on
// this terminal, a simulated PC on the LAN that pings the router every second (its answers summed up
// once a minute, each one with --ping), and (tools/sim/office) a demo configuration and phone image
// on flash, a SIP/media server on the WAN and phones plugging in.
// Usage: npm start -- [--seed <n>] [--duration <seconds>] [--ping | --no-ping] [--phones <n>]
import { pathToFileURL } from 'node:url';
import { Testbed } from '../../hal/sim/testbed';
import type { SimHost, EchoReply } from '../../hal/sim/host';
import { boot } from '../../firmware/main';
import type { Firmware } from '../../firmware/main';
import { ipToString } from '../../firmware/util/ipv4';
import { RealTimeRunner } from './realtime';
import { bindTerminal } from './terminal';
import { Scheduler } from '../../hal/sim/scheduler';
import { preloadedFlash, startOffice, type Office } from './office';
import type { TerminalBinding } from './terminal';

export interface StartOptions {
  readonly seed: number;
  readonly durationMs: number | undefined;
  /** The LAN PC's pings: a summary a minute (and every loss), every answer, or no PC at all. */
  readonly ping: 'summary' | 'every' | 'off';
  /** Simulated phones that plug in one after another. */
  readonly phones: number;
}

const USAGE = `usage: npm start -- [--seed <n>] [--duration <seconds>] [--ping | --no-ping] [--phones <n>]
  --seed <n>          seed of the simulation (default 1): same seed, same run
  --duration <s>      stop by itself after <s> seconds
  --ping              print every answer to the LAN PC's ping (default: one summary a minute)
  --no-ping           no LAN PC and no ping
  --phones <n>        phones that plug in one after another (default 4, 0-200)
Quit with Ctrl-] or Ctrl-C twice (a single Ctrl-C goes to the router's console).`;

export function parseArgs(argv: readonly string[]): StartOptions | string {
  let seed = 1;
  let durationMs: number | undefined;
  let ping: StartOptions['ping'] = 'summary';
  let phones = 4;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string | undefined => argv[++i];
    if (arg === '--seed') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) return `--seed needs an integer 0..4294967295\n${USAGE}`;
      seed = n;
    } else if (arg === '--duration') {
      const s = Number(value());
      if (!(s > 0) || !Number.isFinite(s)) return `--duration needs a positive number of seconds\n${USAGE}`;
      durationMs = s * 1000;
    } else if (arg === '--phones') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0 || n > 200) return `--phones needs an integer 0..200\n${USAGE}`;
      phones = n;
    } else if (arg === '--no-ping') {
      ping = 'off';
    } else if (arg === '--ping') {
      ping = 'every';
    } else if (arg === '--help' || arg === '-h') {
      return USAGE;
    } else {
      return `unknown argument ${arg}\n${USAGE}`;
    }
  }
  return { seed, durationMs, ping, phones };
}

const SUMMARY_EVERY_MS = 60_000;

/**
 * The LAN PC pings the router once a second. A lost ping is always printed, like ping(8); answers
 * are printed one by one with --ping, otherwise the first one and then a summary a minute, so the
 * console stays readable.
 */
function startPinger(bed: Testbed<Firmware>, pc: SimHost, routerIp: number, every: boolean, say: (text: string) => void): () => { sent: number; answered: number } {
  let seq = 0;
  let answered = 0;
  let window = { sent: 0, answered: 0, minMs: Infinity, maxMs: 0, sumMs: 0 };
  const waiting = new Map<number, number>();
  pc.onEchoReply = (reply: EchoReply) => {
    if (!waiting.has(reply.seq)) return;
    waiting.delete(reply.seq);
    answered++;
    const rtt = reply.rttMs ?? 0;
    window = { ...window, answered: window.answered + 1, minMs: Math.min(window.minMs, rtt), maxMs: Math.max(window.maxMs, rtt), sumMs: window.sumMs + rtt };
    if (every || answered === 1) say(`[sim] ${pc.name}: ${56 + 8} bytes from ${ipToString(reply.from)}: icmp_seq=${reply.seq} ttl=${reply.ttl} time=${rtt.toFixed(3)} ms${every ? '' : ' (a summary follows once a minute; --ping shows every answer)'}`);
  };
  const tick = (): void => {
    seq++;
    window.sent++;
    const mine = seq;
    waiting.set(mine, bed.scheduler.now());
    pc.ping(routerIp, mine);
    bed.scheduler.after(1000, () => {
      if (waiting.delete(mine)) say(`[sim] ${pc.name}: no answer from ${ipToString(routerIp)} for icmp_seq=${mine}`);
    });
    bed.scheduler.after(1000, tick);
  };
  const summarize = (): void => {
    if (!every && window.sent > 0) {
      const rtt = window.answered > 0 ? `, round trip ${window.minMs.toFixed(3)}/${(window.sumMs / window.answered).toFixed(3)}/${window.maxMs.toFixed(3)} ms (min/avg/max)` : '';
      say(`[sim] ${pc.name}: last minute ${window.sent} pings to ${ipToString(routerIp)}, ${window.answered} answered${rtt}`);
    }
    window = { sent: 0, answered: 0, minMs: Infinity, maxMs: 0, sumMs: 0 };
    bed.scheduler.after(SUMMARY_EVERY_MS, summarize);
  };
  bed.scheduler.after(1000, tick);
  bed.scheduler.after(SUMMARY_EVERY_MS, summarize);
  return () => ({ sent: seq, answered });
}

export async function main(argv: readonly string[]): Promise<void> {
  const parsed = parseArgs(argv);
  if (typeof parsed === 'string') {
    const ok = parsed === USAGE;
    (ok ? process.stdout : process.stderr).write(`${parsed}\n`);
    process.exitCode = ok ? 0 : 2;
    return;
  }
  // The flash the board boots from already holds the demo configuration and phone image.
  const scheduler = new Scheduler();
  const flash = await preloadedFlash(parsed.seed, scheduler);
  const bed = new Testbed<Firmware>({ seed: parsed.seed, scheduler, flash, wallClockAtStart: Date.now(), conditions: { latencyMs: 0.1, jitterMs: 0.05 } });
  let terminal: TerminalBinding | undefined;
  const say = (text: string): void => terminal?.note(text);
  let runner: RealTimeRunner | undefined;
  let stopping = false;
  const quit = (graceMs: number): void => {
    if (stopping) return;
    stopping = true;
    // A short grace lets output already on its way (answers to the last typed line) arrive.
    setTimeout(() => runner?.stop('stopped'), graceMs);
  };

  terminal = bindTerminal(bed.board.console, {
    input: process.stdin,
    output: process.stdout,
    onQuit: (why) => quit(why === 'end-of-input' ? 500 : 0),
    onInput: () => runner?.poke(),
  });
  say(`[sim] Plugboard simulated board, seed ${parsed.seed}${parsed.durationMs ? `, running ${parsed.durationMs / 1000} s` : ''}. ${terminal.raw ? 'Quit with Ctrl-] or Ctrl-C twice.' : 'Console reads lines from stdin.'}`);

  const firmware = bed.start((hal) => boot(hal));
  let pingStats: (() => { sent: number; answered: number }) | undefined;
  // The LAN address is known once the firmware has loaded its configuration.
  void firmware.ready.then(() => {
    const routerIp = firmware.stack.address('lan')?.ip;
    if (routerIp === undefined || parsed.ping === 'off' || stopping) return;
    const pcIp = ((routerIp & 0xffffff00) | 20) >>> 0; // outside the DHCP pools
    const pc = bed.addHost({ name: 'lan-pc', mac: '02:00:00:00:00:64', ip: pcIp, prefixLength: 24 });
    say(`[sim] ${pc.describe()} is on the LAN switch and pings ${ipToString(routerIp)} every second`);
    pingStats = startPinger(bed, pc, routerIp, parsed.ping === 'every', say);
  });
  let office: Office | undefined;
  void firmware.ready.then(() => {
    if (parsed.phones > 0 && !stopping) office = startOffice(bed as Testbed<unknown>, { phones: parsed.phones, say: (text) => say(`[sim] ${text}`) });
    if (!stopping) say(`[sim] Try: show phones (who got what), show nat (their public ports and traffic), show leases, show tftp, show log; ? lists every command.`);
  });

  runner = new RealTimeRunner(bed.scheduler, {
    durationMs: parsed.durationMs,
    onStop: (reason, error) => {
      if (reason === 'error') {
        say(`[sim] the simulation stopped on an error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        process.exitCode = 1;
      }
      const stats = pingStats?.();
      for (const line of office?.summary() ?? []) say(`[sim] ${line}`);
      say(`[sim] stopped after ${(bed.scheduler.now() / 1000).toFixed(1)} s${stats ? `: ${stats.sent} pings, ${stats.answered} answered` : ''}`);
      terminal?.unbind();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  });
  const onSignal = (): void => quit(0);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  runner.start();
}

// Run only as the program (`npm start`), not when a test imports parseArgs.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main(process.argv.slice(2));
