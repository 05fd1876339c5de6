// `npm start` as a whole office: a flash preloaded with a demo configuration and a demo phone image,
// the board on a LAN switch and a WAN switch, a SIP/media server as the ISP gateway, and phones that
// plug in one after another. Node-only (tools/).
import { Scheduler } from '../../hal/sim/scheduler';
import { Rng } from '../../hal/sim/random';
import { SimFlash } from '../../hal/sim/flash';
import type { Testbed } from '../../hal/sim/testbed';
import { mountStore, isFailure, type FlashStore } from '../../firmware/store';
import { DEFAULT_CONFIG, encodeConfig, CONFIG_RECORD_KEY, phoneClassNamed, withPhoneClass, withValue, type RouterConfig } from '../../firmware/config';
import { parseIp, ipToString } from '../../firmware/util/ipv4';
import { OfficePhone } from './phone';
import { VoipServer } from './voipServer';
import simBoardJson from '../../board/sim.json';

export const DEMO_IMAGE = 'demo-phone-fw.bin';
export const DEMO_IMAGE_BYTES = 192 * 1024;
const WAN_ADDRESS = '203.0.113.2';
const WAN_GATEWAY = '203.0.113.1';

const ip = (text: string): number => parseIp(text) as number;

/** The demo: static WAN, Yealink-style phones admitted and sent the demo image, a SIP server var. */
export function demoConfig(): RouterConfig {
  let config = withValue(DEFAULT_CONFIG, 'hostname', 'office');
  config = withValue(config, 'wan.mode', 'static');
  config = withValue(config, 'wan.address', ip(WAN_ADDRESS));
  config = withValue(config, 'wan.gateway', ip(WAN_GATEWAY));
  const yealink = phoneClassNamed(config, 'yealink');
  if (!yealink) throw new Error('the built-in yealink class is missing');
  return withPhoneClass(config, { ...yealink, bootFile: DEMO_IMAGE, vars: { ...yealink.vars, sip_server: WAN_GATEWAY } });
}

/** Run `promise` to completion by stepping the scheduler (flash operations complete in virtual time). */
export async function drive<T>(scheduler: Scheduler, promise: Promise<T>): Promise<T> {
  let settled = false;
  let value: T | undefined;
  let failure: unknown;
  promise.then(
    (v) => ((settled = true), (value = v)),
    (e) => ((settled = true), (failure = e)),
  );
  for (let idle = 0; !settled; ) {
    await new Promise((resolve) => setImmediate(resolve));
    if (settled) break;
    if (scheduler.step()) idle = 0;
    else if (++idle > 100) throw new Error('flash preload stalled');
  }
  if (failure) throw failure;
  return value as T;
}

/**
 * A flash for the sim board holding what the owner would have set up: the demo configuration saved
 * and the demo phone image uploaded (written on a private clock, handed over as a copy on the
 * board's clock). The board boots from it like from any saved state.
 */
export async function preloadedFlash(seed: number, boardScheduler: Scheduler): Promise<SimFlash> {
  // Preloading runs on its own clock so the board's virtual time starts at zero.
  const scheduler = new Scheduler();
  const spec = simBoardJson.flash;
  const rng = new Rng(seed ^ 0x5eed);
  const flash = new SimFlash(scheduler, rng.fork(), { kind: spec.kind as 'nor', size: spec.size, blockSize: spec.blockSize, programUnit: spec.programUnit });
  const store = await drive(scheduler, mountStore(flash, { now: () => scheduler.now(), wallClock: () => undefined }));
  const image = new Uint8Array(DEMO_IMAGE_BYTES);
  rng.fill(image);
  image.set([0x50, 0x42, 0x46, 0x57], 0); // "PBFW": a recognisable header for the demo image
  await putImage(scheduler, store, DEMO_IMAGE, image);
  const saved = await drive(scheduler, store.setRecord(CONFIG_RECORD_KEY, encodeConfig(demoConfig())));
  if (saved) throw new Error(`preload: ${saved.message}`);
  // The same bytes, now driven by the board's clock.
  return flash.clone(boardScheduler, rng.fork());
}

/** Upload `image` into `store` as the owner would (an atomic put), driven by `scheduler`. */
export async function putImage(scheduler: Scheduler, store: FlashStore, name: string, image: Uint8Array): Promise<void> {
  const writer = await drive(scheduler, store.put(name, image.length));
  if (isFailure(writer)) throw new Error(`preload ${name}: ${writer.message}`);
  for (let at = 0; at < image.length; at += 64 * 1024) {
    const failure = await drive(scheduler, writer.write(image.subarray(at, at + 64 * 1024)));
    if (failure) throw new Error(`preload ${name}: ${failure.message}`);
  }
  const committed = await drive(scheduler, writer.commit());
  if (isFailure(committed)) throw new Error(`preload ${name}: ${committed.message}`);
}

export interface OfficeOptions {
  readonly phones: number;
  /** Real (= virtual) ms between two phones plugging in. */
  readonly plugIntervalMs?: number;
  readonly say: (text: string) => void;
}

export interface Office {
  readonly phones: OfficePhone[];
  readonly server: VoipServer;
  /** One line per phone and one for the server, for the end of a run. */
  summary(): string[];
}

/** Put the server on the WAN switch and schedule the phones on the LAN switch. */
export function startOffice(bed: Testbed<unknown>, options: OfficeOptions): Office {
  const scheduler = bed.scheduler;
  const rng = new Rng(0x0ff1ce);
  const serverHost = bed.addHost({ name: 'voip-server', mac: '02:00:5e:00:01:01', ip: WAN_GATEWAY, prefixLength: 24 }, 'wan');
  const server = new VoipServer(serverHost);
  options.say(`voip-server ${WAN_GATEWAY} is the ISP gateway and SIP/media server on the WAN switch`);
  const phones: OfficePhone[] = [];
  const interval = options.plugIntervalMs ?? 1500;
  for (let i = 0; i < options.phones; i++) {
    const n = i + 1;
    const mac = `80:5e:c0:${((n >> 16) & 255).toString(16).padStart(2, '0')}:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;
    const host = bed.addHost({ name: `phone-${String(n).padStart(2, '0')}`, mac });
    const phone = new OfficePhone(host, scheduler, rng.fork(), { vendorClass: 'yealink SIP-T46S', server: ip(WAN_GATEWAY), say: options.say });
    phones.push(phone);
    scheduler.after(1000 + i * interval, () => phone.plugIn());
  }
  return {
    phones,
    server,
    summary() {
      const lines = phones.map((p) => `${p.describe()}: calls ${p.stats.calls}, SIP ${p.stats.sipAnswered}/${p.stats.sipSent} answered, RTP ${p.stats.rtpReceived}/${p.stats.rtpSent} back, lease renewed ${p.stats.renewed}x`);
      const sources = [...server.stats.sources].map(ipToString).join(', ') || 'none';
      lines.push(`voip-server: ${server.stats.sipRequests} SIP requests from ${server.stats.sipPorts.size} public ports, RTP ${server.stats.rtpIn} in / ${server.stats.rtpOut} out, seen from ${sources}`);
      return lines;
    },
  };
}
