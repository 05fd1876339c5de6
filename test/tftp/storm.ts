// A boot storm on the whole simulated board: the firmware as firmware/main.ts boots it (stack, store
// on NOR flash, DHCP, NAPPT, TFTP) on a flash the owner prepared, and N phones powered at once on
// 100 Mbit/s cables. Each phone gets a lease, reads its boot file and its rendered <mac>.cfg, and the
// run reports what a boot-storm test asserts and what its closing note prints.
import { Scheduler } from '../../hal/sim/scheduler';
import { Rng } from '../../hal/sim/random';
import { Testbed } from '../../hal/sim/testbed';
import type { SimFlash } from '../../hal/sim/flash';
import { boot, type Firmware } from '../../firmware/main';
import { mountStore } from '../../firmware/store';
import { phoneClassNamed, saveConfig, withPhoneClass } from '../../firmware/config';
import { ipToString } from '../../firmware/util/ipv4';
import type { TftpServer } from '../../firmware/tftp/server';
import { DEFAULT_LIMITS } from '../../firmware/tftp/params';
import { renderTemplate } from '../../firmware/tftp/render';
import { YEALINK_TEMPLATE } from '../../firmware/tftp/templates';
import type { PhoneClass } from '../../firmware/config';
import { demoConfig, drive, preloadedFlash, putImage } from '../../tools/sim/office';
import { HostNet, dhcp, type Lease } from './simPhone';
import { TftpTestClient, type ClientNet, type TransferResult } from './client';
import type { HostSocket } from './harness';

export interface StormOptions {
  readonly phones: number;
  readonly imageBytes: number;
  readonly seed: number;
  /** blksize the phones ask for (default 1468: one block per 1500-byte frame, as Yealink and Polycom do). */
  readonly blockSize?: number;
  /** windowsize the phones ask for; undefined = none (lock-step RFC 1350, what most phones do). */
  readonly windowSize?: number;
  /** Line rate of every cable (default 100 Mbit/s). */
  readonly bitsPerSecond?: number;
  /** Phones power up within this many ms of each other (default 50: one PoE switch powering up). */
  readonly spreadMs?: number;
}

export interface StormResult {
  readonly phones: number;
  readonly leased: number;
  readonly imagesExact: number;
  /** Configs that name the phone's own port range (port_min-port_max, SIP and RTP ports) and the public address. */
  readonly configsOwnRange: number;
  /** Configs byte for byte as the phone expects them (and as long as the OACK's tsize said). */
  readonly configsExact: number;
  /** Port ranges handed out that no other phone holds. */
  readonly distinctRanges: number;
  /** TFTP ERROR replies the phones received. */
  readonly refusals: number;
  readonly peakConcurrent: number;
  /** Virtual ms from the first DISCOVER until the last transfer is done. */
  readonly stormMs: number;
  /** Virtual ms from the first DISCOVER until the last phone is bound. */
  readonly dhcpMs: number;
  /** Every DATA and OACK frame the transfers need, on the wire, divided by the router's LAN line rate. */
  readonly linkBoundMs: number;
  readonly wireBytes: number;
  /** Windows the server sent again after a timeout, and frames the router's LAN cable could not queue. */
  readonly retransmits: number;
  readonly lanTxDropped: number;
  /** The server's stated upper bound for one transfer's block buffers (status()), and that bound for what the phones negotiated. */
  readonly maxBytesPerTransfer: number;
  readonly bytesPerTransferNegotiated: number;
  /** blksize and windowsize the server granted. */
  readonly blockSize: number;
  readonly windowSize: number;
}

const BOOT_FILE = 'phone-fw-storm.bin';
const PUBLIC_ADDRESS = '203.0.113.2';
const ETHERNET_HEADER = 14;
const IPV4_UDP_HEADERS = 20 + 8;
/** FCS 4, preamble and start delimiter 8, inter-frame gap 12; frames shorter than 60 bytes are padded. */
const ETHERNET_WIRE_EXTRA = 24;
const MIN_ETHERNET_FRAME = 60;

/**
 * Lets every promise continuation triggered at a virtual instant run before the clock moves on (as
 * Scheduler.runUntilAsync wants). A nextTick callback runs only once the microtask queue is empty, so
 * this drains it as setImmediate does without a trip round the event loop per instant (measured on a
 * 2 MiB storm: 9.5 s -> 7.9 s real, identical virtual results).
 */
const tick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

/** The image the owner uploaded: seeded random bytes with a recognisable header. */
function stormImage(seed: number, bytes: number): Uint8Array {
  const image = new Uint8Array(bytes);
  new Rng(seed ^ 0x1a9e).fill(image);
  image.set([0x50, 0x42, 0x46, 0x57], 0); // "PBFW", as the demo image
  return image;
}

/**
 * The office flash (tools/sim/office: demo configuration and image), plus what the owner did for
 * the storm: uploaded the phones' image, made it the Yealink class's boot file, and saved. The
 * TFTP session limit stays the shipped default: a whole floor of phones must be served at once
 * without the owner knowing about it. Prepared on its own
 * clock; the board gets a copy on its clock.
 */
async function stormFlash(seed: number, image: Uint8Array, boardScheduler: Scheduler): Promise<{ flash: SimFlash; phoneClass: PhoneClass }> {
  const staging = new Scheduler();
  const flash = await preloadedFlash(seed, staging);
  const store = await drive(staging, mountStore(flash, { now: () => staging.now(), wallClock: () => undefined }));
  await putImage(staging, store, BOOT_FILE, image);
  const demo = demoConfig();
  const yealink = phoneClassNamed(demo, 'yealink');
  if (!yealink) throw new Error('storm flash: the yealink class is missing');
  // The rendered config's static.firmware.url names the image too ({{firmware}} is a class variable).
  const phoneClass: PhoneClass = { ...yealink, bootFile: BOOT_FILE, vars: { ...yealink.vars, firmware: BOOT_FILE } };
  const config = withPhoneClass(demo, phoneClass);
  const saved = await drive(staging, saveConfig(store, config));
  if (saved) throw new Error(`storm flash: ${saved.message}`);
  return { flash: flash.clone(boardScheduler, new Rng(seed ^ 0xf1a5).fork()), phoneClass };
}

/** Bytes one UDP datagram with `payload` bytes takes on an Ethernet cable (as hal/sim/link counts them). */
function wireBytesOfUdp(payload: number): number {
  return Math.max(MIN_ETHERNET_FRAME, ETHERNET_HEADER + IPV4_UDP_HEADERS + payload) + ETHERNET_WIRE_EXTRA;
}

/** What a read of `size` bytes puts on the router's LAN cable at the least: its OACK and its DATA blocks (the last one short, maybe empty). */
function transferWireBytes(size: number, blockSize: number, oack: Record<string, string> | undefined): number {
  const fullBlocks = Math.floor(size / blockSize);
  let oackBytes = 0;
  if (oack) {
    oackBytes = 2;
    for (const [name, value] of Object.entries(oack)) oackBytes += name.length + value.length + 2;
  }
  return (oack ? wireBytesOfUdp(oackBytes) : 0) + fullBlocks * wireBytesOfUdp(4 + blockSize) + wireBytesOfUdp(4 + size - fullBlocks * blockSize);
}

/** The phone's sockets, telling the phone after every datagram its TFTP client handled. */
class WatchedNet implements ClientNet {
  onActivity: (() => void) | undefined;
  constructor(private readonly inner: HostNet) {}
  get scheduler(): Scheduler {
    return this.inner.scheduler;
  }
  bindHost(ip: number, port: number, handler: (d: { srcIp: number; srcPort: number; payload: Uint8Array }) => void): HostSocket {
    return this.inner.bindHost(ip, port, (d) => {
      handler(d);
      this.onActivity?.();
    });
  }
}

/**
 * The <mac>.cfg this phone must receive, from what the phone itself knows: its MAC, its lease (address,
 * port range, TFTP server), the router's public address and the class's variables the owner set.
 */
function expectedConfig(plainMac: string, lease: Lease, publicIp: string, classVars: Readonly<Record<string, string>>): string {
  const { first, last } = lease.ports as { first: number; last: number };
  const vars: Record<string, string> = {
    ...classVars,
    mac: plainMac,
    ip: ipToString(lease.ip),
    port_min: String(first),
    port_max: String(last),
    sip_port: String(first),
    rtp_min: String(first + 2 - (first % 2)), // the first even port above the SIP port
    rtp_max: String(last),
    public_ip: publicIp,
    tftp_server: ipToString(lease.server),
    firmware_url: classVars.firmware ? `tftp://${ipToString(lease.server)}/${classVars.firmware}` : '',
  };
  const rendered = renderTemplate(YEALINK_TEMPLATE, vars, 64 * 1024);
  if (!rendered.ok) throw new Error(`expected config: ${rendered.reason}`);
  return new TextDecoder().decode(rendered.bytes);
}

/** The config names the phone's own range and the public address (what the phone's SIP and RTP settings come from). */
function namesItsRange(text: string, lease: Lease, publicIp: string): boolean {
  const { first, last } = lease.ports as { first: number; last: number };
  return text.includes(`: ports ${first}-${last} on ${publicIp}\n`) && text.includes(`\nsip.listen_port = ${first}\n`) && text.includes(`\nstatic.network.port.max_rtpport = ${last}\n`);
}

export async function runBootStorm(options: StormOptions): Promise<StormResult> {
  const { phones, imageBytes, seed } = options;
  const blockSize = options.blockSize ?? 1468;
  const bitsPerSecond = options.bitsPerSecond ?? 100e6;
  const spreadMs = options.spreadMs ?? 50;
  const image = stormImage(seed, imageBytes);
  const scheduler = new Scheduler();
  const { flash, phoneClass } = await stormFlash(seed, image, scheduler);
  const bed = new Testbed<Firmware>({ seed, scheduler, flash, conditions: { latencyMs: 0.05, bitsPerSecond } });
  const fw = bed.start((hal) => boot(hal, { logLevel: 'warn' }));
  await bed.runAsync(1000, tick);
  await fw.ready;
  const tftp = fw.tftp as TftpServer | undefined;
  if (!tftp) throw new Error('TFTP is not running');

  const rng = new Rng(seed ^ 0x570a);
  const requestOptions = [
    { name: 'blksize', value: String(blockSize) },
    { name: 'tsize', value: '0' },
    ...(options.windowSize ? [{ name: 'windowsize', value: String(options.windowSize) }] : []),
  ];

  const start = scheduler.now();
  const powerOns: number[] = [];
  for (let i = 0; i < phones; i++) powerOns.push(start + (spreadMs > 0 ? rng.next() * spreadMs : 0));
  const firstDiscover = Math.min(...powerOns);
  let lastBound = firstDiscover;
  let lastDone = firstDiscover;
  let finished = 0;
  let leased = 0;
  let imagesExact = 0;
  let configsOwnRange = 0;
  let configsExact = 0;
  let refusals = 0;
  let wireBytes = 0;
  let negotiated: Record<string, string> | undefined;
  const ranges = new Map<string, number>();

  for (let i = 0; i < phones; i++) {
    const n = i + 1;
    const mac = `80:5e:c0:10:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;
    const plain = mac.replace(/:/g, '');
    // The phones keep no history of received frames: the TFTP client reads them as they arrive.
    const host = bed.addHost({ name: `phone-${n}`, mac, keepFrames: 1 });
    const hostNet = new HostNet(host, scheduler);
    const net = new WatchedNet(hostNet);
    /** Run `then` once `result` is done: checked after each datagram, and every 500 ms for a client timeout. */
    const whenDone = (result: TransferResult, then: () => void): void => {
      let fired = false;
      const check = (): void => {
        if (fired || !result.done) return;
        fired = true;
        net.onActivity = undefined;
        if (result.errorCode !== undefined) refusals++;
        lastDone = Math.max(lastDone, result.finishedAt ?? scheduler.now());
        then();
      };
      net.onActivity = check;
      const backstop = (): void => {
        check();
        if (!fired) scheduler.after(500, backstop);
      };
      scheduler.after(500, backstop);
    };
    const fetch = (lease: Lease): void => {
      const client = new TftpTestClient(net, lease.ip);
      // The image is compared as it arrives and never kept (100 x 8 MiB would be 800 MiB of test heap).
      let exact = true;
      const imageRead = client.read(lease.bootFile ?? '', {
        server: lease.server,
        options: requestOptions,
        hash: false,
        sink: (bytes, offset) => {
          if (exact && (offset + bytes.length > image.length || !Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).equals(Buffer.from(image.buffer, offset, bytes.length)))) exact = false;
        },
      });
      whenDone(imageRead, () => {
        if (imageRead.ok && exact && imageRead.bytes === image.length) imagesExact++;
        negotiated ??= imageRead.oack;
        wireBytes += transferWireBytes(imageRead.bytes, blockSize, imageRead.oack);
        const configRead = client.read(`${plain}.cfg`, { server: lease.server, options: requestOptions, hash: false, keep: true });
        whenDone(configRead, () => {
          finished++;
          wireBytes += transferWireBytes(configRead.bytes, blockSize, configRead.oack);
          if (!configRead.ok || !configRead.data || !lease.ports) return;
          const text = new TextDecoder().decode(configRead.data);
          if (text === expectedConfig(plain, lease, PUBLIC_ADDRESS, phoneClass.vars) && String(configRead.bytes) === configRead.oack?.tsize) configsExact++;
          if (namesItsRange(text, lease, PUBLIC_ADDRESS)) configsOwnRange++;
        });
      });
    };
    scheduler.at(powerOns[i], () =>
      dhcp(hostNet, 'yealink SIP-T46S', rng.int(0x7fffffff), (lease) => {
        if (!lease) return void finished++;
        leased++;
        lastBound = Math.max(lastBound, scheduler.now());
        if (lease.ports) {
          const key = `${lease.ports.first}-${lease.ports.last}`;
          ranges.set(key, (ranges.get(key) ?? 0) + 1);
        }
        fetch(lease);
      }),
    );
  }

  const allDone = await scheduler.runUntilTrueAsync(() => finished === phones, 30 * 60_000, tick);
  if (!allDone) throw new Error(`boot storm: only ${finished} of ${phones} phones finished`);
  const status = tftp.status();
  const grantedBlock = Number(negotiated?.blksize ?? 512);
  const grantedWindow = Number(negotiated?.windowsize ?? 1);
  const routerLan = bed.links.find((link) => link.name === 'router-lan');
  return {
    phones,
    leased,
    imagesExact,
    configsOwnRange,
    configsExact,
    distinctRanges: [...ranges.values()].filter((count) => count === 1).length,
    refusals,
    peakConcurrent: status.totals.peakConcurrent,
    stormMs: lastDone - firstDiscover,
    dhcpMs: lastBound - firstDiscover,
    linkBoundMs: (wireBytes * 8 * 1000) / bitsPerSecond,
    wireBytes,
    retransmits: status.totals.retransmits,
    lanTxDropped: bed.board.ports.lan.stats.txDropped + (routerLan?.stats('ba').queueDrops ?? 0),
    maxBytesPerTransfer: status.maxBytesPerTransfer,
    // ReadTransfer holds at most windowSize + readAhead block buffers (firmware/tftp/readTransfer.ts).
    bytesPerTransferNegotiated: (grantedWindow + DEFAULT_LIMITS.readAhead) * (grantedBlock + 4),
    blockSize: grantedBlock,
    windowSize: grantedWindow,
  };
}
