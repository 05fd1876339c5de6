// The whole firmware (boot() on the simulated board, flash preloaded with the demo office's
// configuration and phone image) with office phones that DHCP, fetch over TFTP, register and keep
// a call's RTP running: the bed the floods and the soak run against. Error lines in the log are
// counted (a service that throws logs "dispatch failed" at error level).
import { Testbed } from '../../hal/sim/testbed';
import { Scheduler } from '../../hal/sim/scheduler';
import { SimHost } from '../../hal/sim/host';
import { boot, type Firmware } from '../../firmware/main';
import type { DhcpService } from '../../firmware/dhcp/service';
import type { NapptAttachment } from '../../firmware/nappt';
import type { TftpServer } from '../../firmware/tftp';
import { startOffice, preloadedFlash, type Office } from '../../tools/sim/office';
import type { OfficePhone } from '../../tools/sim/phone';

export const tick = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

export const ROUTER_LAN_IP = 0xc0a80101; // 192.168.1.1 (the demo configuration)
export const PUBLIC_IP = 0xcb007102; // 203.0.113.2
export const WAN_GATEWAY = 0xcb007101; // 203.0.113.1, the SIP/media server

export interface OfficeBed {
  readonly bed: Testbed<Firmware>;
  readonly office: Office;
  /** The firmware running now (a new one after a power cut). */
  firmware(): Firmware;
  dhcp(): DhcpService;
  nappt(): NapptAttachment;
  tftp(): TftpServer;
  /** Error lines the firmware logged on its console since the start. */
  errors(): string[];
  /** Console output since the last call. */
  output(): string;
  run(ms: number): Promise<void>;
  /** A host of the test's own on the LAN (or WAN) switch (keeping few received frames: long runs would hoard them). */
  host(name: string, mac: string, side?: 'lan' | 'wan', ip?: number): SimHost;
}

export async function officeBed(seed: number, phones: number, plugIntervalMs = 1000): Promise<OfficeBed> {
  const scheduler = new Scheduler();
  const flash = await preloadedFlash(seed, scheduler);
  const bed = new Testbed<Firmware>({ seed, scheduler, flash, conditions: { latencyMs: 0.1 } });
  const errors: string[] = [];
  let pending = '';
  let output = '';
  bed.board.console.onOutput = (bytes) => {
    const text = new TextDecoder().decode(bytes);
    if (output.length < 1 << 20) output += text;
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (/^\[\s*[\d.]+\] error /.test(line.replace(/^\r/, '')) && errors.length < 100) errors.push(line.trim());
  };
  const fw = bed.start((hal) => boot(hal));
  await bed.runAsync(1000, tick);
  await fw.ready;
  const office = startOffice(bed as Testbed<unknown>, { phones, plugIntervalMs, say: () => {} });
  const current = (): Firmware => bed.board.current() ?? fw;
  return {
    bed,
    office,
    firmware: current,
    dhcp: () => current().dhcp as DhcpService,
    nappt: () => current().nappt as NapptAttachment,
    tftp: () => current().tftp as TftpServer,
    errors: () => errors,
    output() {
      const text = output;
      output = '';
      return text;
    },
    run: (ms) => bed.runAsync(ms, tick),
    host: (name, mac, side = 'lan', ip) => bed.addHost({ name, mac, ip, prefixLength: 24, keepFrames: 16 }, side),
  };
}

/** Phones that went through DHCP and TFTP and are calling. */
export const running = (phones: readonly OfficePhone[]): number => phones.filter((p) => p.stage === 'running').length;

/** RTP packets the phones got back, summed. */
export const rtpBack = (phones: readonly OfficePhone[]): number => phones.reduce((sum, p) => sum + p.stats.rtpReceived, 0);
