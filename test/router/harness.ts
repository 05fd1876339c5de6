// The rig for the equivalence suite: the full firmware in either mode, a WAN host that reflects
// what it sees (reflector.mjs answers every UDP datagram and TCP connection with the source address
// and port it arrived from), and the client-side helpers (socat) the scenarios use.
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Rig, runAsync, wanUp, type Phone } from '../../tools/rig';

export type Mode = 'ports' | 'kernel';
export const UDP_REFLECTOR = 9000;
export const TCP_REFLECTOR = 9001;
export const UDP_SINK = 9100;

export interface Seen {
  readonly ip: string;
  readonly port: number;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The router in `mode` with a WAN address: router mode gets it from the kernel (the rig plays
 * netifd), ports mode from busybox udhcpd on the WAN host (the firmware's own WAN client).
 */
export async function routerUp(mode: Mode): Promise<{ rig: Rig; sink: () => string }> {
  const rig = await Rig.up({ firmware: 'full', forwarding: mode === 'kernel' ? 'kernel' : 'ports' });
  try {
    await wanUp(rig, mode);
    const reflector = rig.spawnIn(rig.wanNs, [process.execPath, join(import.meta.dirname, 'reflector.mjs'), String(UDP_REFLECTOR), String(TCP_REFLECTOR), String(UDP_SINK)]);
    let received = '';
    reflector.stdout?.setEncoding('utf8');
    reflector.stdout?.on('data', (text: string) => (received += text));
    reflector.stderr?.setEncoding('utf8');
    reflector.stderr?.on('data', (text: string) => (reflectorLog += text));
    await untilListening(rig, [`udp:${UDP_REFLECTOR}`, `tcp:${TCP_REFLECTOR}`, `udp:${UDP_SINK}`]);
    return { rig, sink: () => received };
  } catch (error) {
    await rig.down();
    throw error;
  }
}

/** The source address and port the WAN host saw for one UDP datagram or TCP connection from `sourcePort`. */
export async function seenFrom(rig: Rig, host: Phone, protocol: 'udp' | 'tcp', sourcePort: number, attempts = 3): Promise<Seen | undefined> {
  const target = protocol === 'udp' ? `UDP:${rig.wanHostAddress}:${UDP_REFLECTOR}` : `TCP:${rig.wanHostAddress}:${TCP_REFLECTOR},connect-timeout=2`;
  // A real client retries a lost datagram; so does this one (same source port, same flow).
  for (let attempt = 0; attempt < attempts; attempt++) {
    const result = await host.runAsync(['sh', '-c', `echo probe | socat -T 3 -t 3 - ${target},sourceport=${sourcePort},reuseaddr`], 10_000);
    const match = /^(\d+\.\d+\.\d+\.\d+) (\d+)/.exec(result.stdout.trim());
    if (match) return { ip: match[1], port: Number(match[2]) };
    if (process.env.PB_DEBUG) {
      console.log('seenFrom', host.name, protocol, sourcePort, JSON.stringify(result));
      console.log((await runAsync(rig.wanNs, ['sh', '-c', 'ss -lnup; ip neigh'])).stdout, reflectorLog);
    }
  }
  return undefined;
}

/** Whether a datagram or connection the WAN host opens to the public address and `port` reaches `host`. */
export async function reachesFromWan(rig: Rig, host: Phone, protocol: 'udp' | 'tcp', port: number, publicAddress = rig.wanAddress): Promise<boolean> {
  const listen = protocol === 'udp' ? `UDP-RECV:${port}` : `TCP-LISTEN:${port},reuseaddr`;
  const listener: ChildProcess = rig.spawnIn(host.ns, ['timeout', '4', 'socat', '-u', listen, '-']);
  let got = '';
  listener.stdout?.setEncoding('utf8');
  listener.stdout?.on('data', (text: string) => (got += text));
  await pause(300);
  const word = `hello-${protocol}-${port}`;
  const target = protocol === 'udp' ? `UDP:${publicAddress}:${port}` : `TCP:${publicAddress}:${port},connect-timeout=2`;
  await rig.wanAsync(['sh', '-c', `echo ${word} | socat -t 1 - ${target}`], 10_000);
  for (let i = 0; i < 20 && !got.includes(word); i++) await pause(100);
  if (listener.pid && listener.exitCode === null) process.kill(listener.pid, 'SIGTERM');
  return got.includes(word);
}

/** Waits (at most 5 s) until the WAN host's listeners are bound. */
async function untilListening(rig: Rig, wanted: string[]): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const listening = (await rig.wanAsync(['ss', '-Hlnut'])).stdout;
    const ready = wanted.every((item) => {
      const [protocol, port] = item.split(':');
      return listening.split('\n').some((line) => line.startsWith(protocol) && line.includes(`:${port} `));
    });
    if (ready) return;
    await pause(100);
  }
  throw new Error(`the WAN host's listeners did not come up: ${wanted.join(' ')}: ${reflectorLog}`);
}

let reflectorLog = '';

export function inPool(port: number): boolean {
  return port >= 4096 && port <= 16383;
}
