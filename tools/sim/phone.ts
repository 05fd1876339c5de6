// A simulated IP phone for `npm start`: plugs into the LAN, DHCPs (asking for option 159), fetches
// its software and its rendered configuration over TFTP, then registers and makes calls against the
// WAN server through NAPPT, using only ports of its block: SIP-sized signalling and 50 packets/s RTP.
// It keeps its lease as a real phone does: renews at T1, rebinds at T2, starts over when it ends.
import type { SimHost, ReceivedUdp } from '../../hal/sim/host';
import type { Scheduler } from '../../hal/sim/scheduler';
import type { Rng } from '../../hal/sim/random';
import { BOOTREQUEST, FLAG_BROADCAST, MessageType, Opt, emitDhcp, isDhcpError, parseDhcp, FILE, FILE_LEN, type DhcpMessage, type DhcpOption } from '../../firmware/wire/dhcp';
import { contiguousPortRange, readIpList, readPortParams, textValue } from '../../firmware/wire/dhcp-options';
import { buildAck, buildRequest, parsePacket, Opcode } from '../../firmware/wire/tftp';
import { ipToString, parseIp, prefixMask } from '../../firmware/util/ipv4';
import { macToString } from '../../firmware/util/mac';
import { decodeAscii, encodeAscii } from '../../firmware/util/text';
import { leaseTimes, retransmitAt, type LeaseTimes } from './leaseTimes';

export type PhoneStage = 'off' | 'dhcp' | 'tftp' | 'running' | 'failed';
/** Where the phone's bound lease stands (RFC 2131 §4.4): none before the first ACK and after it ends. */
export type LeaseStage = 'none' | 'bound' | 'renewing' | 'rebinding';

export interface PhoneOptions {
  readonly vendorClass: string;
  /** The SIP/media server on the WAN. */
  readonly server: number;
  readonly say: (text: string) => void;
}

export interface PhoneStats {
  dhcpAttempts: number;
  tftpBytes: number;
  tftpRetries: number;
  sipSent: number;
  sipAnswered: number;
  rtpSent: number;
  rtpReceived: number;
  calls: number;
  /** REQUESTs sent to keep the lease (RENEWING unicast, REBINDING broadcast) and ACKs for them. */
  renewalsSent: number;
  rebindsSent: number;
  renewed: number;
  /** Leases that ended with no answer (the phone started over). */
  expired: number;
}

const DHCP_CLIENT = 68;
const DHCP_SERVER = 67;
const TFTP_PORT = 69;
const SIP_PORT = 5060;
const RTP_INTERVAL_MS = 20; // 50 packets per second
const RTP_PACKET = 12 + 160; // RTP header + 20 ms of G.711
const BLOCK_SIZE = 1468;
const MAX_TRIES = 8;

/** A SIP-like message of a realistic size (the server only looks at the first line). */
export function sipMessage(firstLine: string, size: number, from: string): Uint8Array {
  const head = `${firstLine}\r\nVia: SIP/2.0/UDP ${from}\r\nContent-Length: 0\r\n`;
  return encodeAscii(head + 'X-Pad: ' + 'x'.repeat(Math.max(0, size - head.length - 11)) + '\r\n\r\n');
}

export class OfficePhone {
  stage: PhoneStage = 'off';
  readonly stats: PhoneStats = {
    dhcpAttempts: 0, tftpBytes: 0, tftpRetries: 0, sipSent: 0, sipAnswered: 0, rtpSent: 0, rtpReceived: 0, calls: 0,
    renewalsSent: 0, rebindsSent: 0, renewed: 0, expired: 0,
  };
  leaseStage: LeaseStage = 'none';
  address: number | undefined;
  ports: { first: number; last: number } | undefined;
  bootFile: string | undefined;
  readonly fetched: Array<{ name: string; bytes: number }> = [];
  private xid = 0;
  private offer: DhcpMessage | undefined;
  private tftpServer = 0;
  private timer: number | undefined;
  private generation = 0;
  private tftp: { name: string; port: number; serverPort: number | undefined; block: number; bytes: number; tries: number; last: Uint8Array; done: (ok: boolean) => void } | undefined;
  private rtpTimer: number | undefined;
  private lease: (LeaseTimes & { serverId: number }) | undefined;
  private leaseTimer: number | undefined;
  private readonly scratch = new Uint8Array(576);

  constructor(
    readonly host: SimHost,
    private readonly scheduler: Scheduler,
    private readonly rng: Rng,
    private readonly options: PhoneOptions,
  ) {
    host.onUdp = (datagram) => this.onUdp(datagram);
  }

  get name(): string {
    return this.host.name;
  }

  describe(): string {
    const where = this.address === undefined ? 'no address' : ipToString(this.address);
    const ports = this.ports ? ` ports ${this.ports.first}-${this.ports.last}` : '';
    return `${this.name} ${macToString(this.host.mac)} ${where}${ports} ${this.stage}`;
  }

  /** Power on: DHCP from scratch. */
  plugIn(): void {
    this.generation++;
    this.stage = 'dhcp';
    this.options.say(`${this.name} (${macToString(this.host.mac)}) plugged in, asking DHCP`);
    this.discover(0);
  }

  stop(): void {
    this.generation++;
    this.cancel();
    this.cancelLeaseTimer();
    if (this.rtpTimer !== undefined) this.scheduler.cancel(this.rtpTimer);
  }

  // ---- DHCP --------------------------------------------------------------------------------

  /** `ciaddr` set (RENEWING, REBINDING): the phone has its address, so no broadcast flag. */
  private dhcp(type: number, extra: DhcpOption[], ciaddr = 0): Uint8Array {
    const options: DhcpOption[] = [
      { code: Opt.MESSAGE_TYPE, value: Uint8Array.of(type) },
      { code: Opt.CLIENT_ID, value: Uint8Array.of(1, ...this.host.mac) },
      { code: Opt.VENDOR_CLASS, value: textValue(this.options.vendorClass) },
      { code: Opt.PARAMETER_LIST, value: Uint8Array.of(Opt.SUBNET_MASK, Opt.ROUTER, Opt.DNS, Opt.LEASE_TIME, Opt.SERVER_ID, Opt.TFTP_SERVER_NAME, Opt.BOOTFILE, Opt.TFTP_SERVERS, Opt.PORT_PARAMS) },
      ...extra,
    ];
    const flags = ciaddr === 0 ? FLAG_BROADCAST : 0;
    const { length } = emitDhcp({ op: BOOTREQUEST, xid: this.xid, flags, ciaddr, chaddr: this.host.mac, options }, this.scratch, this.scratch.length);
    return this.scratch.slice(0, length);
  }

  private discover(attempt: number): void {
    if (attempt >= MAX_TRIES) return this.fail('no DHCP offer');
    this.xid = this.rng.nextU32();
    this.stats.dhcpAttempts++;
    this.host.sendUdp(0xffffffff, DHCP_CLIENT, DHCP_SERVER, this.dhcp(MessageType.DISCOVER, []), {});
    this.retry(4000 + this.rng.int(1000), () => this.discover(attempt + 1));
  }

  private request(offer: DhcpMessage, attempt: number): void {
    if (attempt >= MAX_TRIES) return this.fail('no DHCP ACK');
    const serverId = offer.options.get(Opt.SERVER_ID) ?? new Uint8Array(4);
    const yiaddr = Uint8Array.of(offer.yiaddr >>> 24, (offer.yiaddr >>> 16) & 255, (offer.yiaddr >>> 8) & 255, offer.yiaddr & 255);
    this.host.sendUdp(0xffffffff, DHCP_CLIENT, DHCP_SERVER, this.dhcp(MessageType.REQUEST, [{ code: Opt.REQUESTED_IP, value: yiaddr }, { code: Opt.SERVER_ID, value: serverId.slice() }]));
    this.retry(3000 + this.rng.int(1000), () => this.request(offer, attempt + 1));
  }

  private onDhcp(message: DhcpMessage): void {
    if (message.xid !== this.xid) return;
    if (this.leaseStage === 'renewing' || this.leaseStage === 'rebinding') return this.onRenewAnswer(message);
    if (this.stage !== 'dhcp') return;
    if (message.messageType === MessageType.OFFER && !this.offer) {
      this.offer = message;
      this.cancel();
      this.request(message, 0);
    } else if (message.messageType === MessageType.ACK) {
      this.cancel();
      this.bound(message);
    } else if (message.messageType === MessageType.NAK) {
      this.offer = undefined;
      this.cancel();
      this.discover(0);
    }
  }

  private bound(ack: DhcpMessage): void {
    this.keepLease(ack);
    const mask = readIpList(ack.options.get(Opt.SUBNET_MASK))?.[0] ?? prefixMask(24);
    let prefix = 0;
    while (prefix < 32 && (mask & (0x80000000 >>> prefix)) !== 0) prefix++;
    this.address = ack.yiaddr;
    this.host.ip = ack.yiaddr;
    this.host.prefixLength = prefix;
    this.host.gateway = readIpList(ack.options.get(Opt.ROUTER))?.[0];
    const params = readPortParams(ack.options.get(Opt.PORT_PARAMS));
    this.ports = params && params.psidLength > 0 ? contiguousPortRange(params.psidLength, params.psid) : undefined;
    const fileOption = ack.options.get(Opt.BOOTFILE);
    const fileField = ack.bytes.subarray(FILE, FILE + FILE_LEN);
    const zero = fileField.indexOf(0);
    this.bootFile = fileOption ? decodeAscii(fileOption) : decodeAscii(fileField, 0, zero < 0 ? FILE_LEN : zero) || undefined;
    const named = ack.options.get(Opt.TFTP_SERVER_NAME);
    const listed = readIpList(ack.options.get(Opt.TFTP_SERVERS))?.[0];
    this.tftpServer = listed ?? (named ? parseIp(decodeAscii(named)) : undefined) ?? (ack.siaddr || this.host.gateway) ?? 0;
    const ports = this.ports ? `ports ${this.ports.first}-${this.ports.last}` : 'no port block';
    this.options.say(`${this.name} got ${ipToString(ack.yiaddr)}/${prefix}, ${ports}, boot file ${this.bootFile ?? '(none)'} from ${ipToString(this.tftpServer)}`);
    if (!this.ports) return this.fail('no port block in the DHCP answer');
    this.stage = 'tftp';
    const configName = `${macToString(this.host.mac).replace(/:/g, '')}.cfg`;
    const files = [this.bootFile, configName].filter((f): f is string => f !== undefined);
    const next = (index: number): void => {
      if (index >= files.length) return this.startCalls();
      this.fetch(files[index], (ok) => (ok ? next(index + 1) : this.fail(`TFTP of ${files[index]} failed`)));
    };
    next(0);
  }

  // ---- Keeping the lease (RFC 2131 §4.4.5) ---------------------------------------------------

  /** Start the lease clock of an ACK: renew at T1. */
  private keepLease(ack: DhcpMessage): void {
    const now = this.scheduler.now();
    const times = leaseTimes(ack, now);
    this.cancelLeaseTimer();
    if (!times) {
      this.lease = undefined;
      this.leaseStage = 'none';
      return;
    }
    const serverId = readIpList(ack.options.get(Opt.SERVER_ID))?.[0] ?? this.lease?.serverId ?? 0;
    this.lease = { ...times, serverId };
    this.leaseStage = 'bound';
    this.atLeaseTime(times.t1, () => this.renew());
  }

  /** RENEWING: a unicast REQUEST to the server that gave the lease, again until T2. */
  private renew(): void {
    const lease = this.lease;
    if (!lease || this.address === undefined) return;
    if (this.scheduler.now() >= lease.t2) return this.rebind();
    this.leaseStage = 'renewing';
    this.xid = this.rng.nextU32();
    this.stats.renewalsSent++;
    this.host.sendUdp(lease.serverId, DHCP_CLIENT, DHCP_SERVER, this.dhcp(MessageType.REQUEST, [], this.address));
    this.atLeaseTime(retransmitAt(this.scheduler.now(), lease.t2), () => this.renew());
  }

  /** REBINDING: no answer by T2, so a broadcast REQUEST any server may answer, again until the end. */
  private rebind(): void {
    const lease = this.lease;
    if (!lease || this.address === undefined) return;
    if (this.scheduler.now() >= lease.end) return this.leaseEnded('expired with no answer');
    if (this.leaseStage !== 'rebinding') this.options.say(`${this.name}: no answer to its renewals by T2; rebinding by broadcast`);
    this.leaseStage = 'rebinding';
    this.xid = this.rng.nextU32();
    this.stats.rebindsSent++;
    this.host.sendUdp(0xffffffff, DHCP_CLIENT, DHCP_SERVER, this.dhcp(MessageType.REQUEST, [], this.address));
    this.atLeaseTime(retransmitAt(this.scheduler.now(), lease.end), () => this.rebind());
  }

  private onRenewAnswer(message: DhcpMessage): void {
    if (message.messageType === MessageType.ACK && message.yiaddr === this.address) {
      const how = this.leaseStage;
      this.stats.renewed++;
      this.keepLease(message);
      const until = this.lease ? ` for ${Math.round((this.lease.end - this.scheduler.now()) / 1000)} s` : '';
      this.options.say(`${this.name} renewed ${ipToString(message.yiaddr)}${until} (${how})`);
    } else if (message.messageType === MessageType.NAK || message.messageType === MessageType.ACK) {
      this.leaseEnded(message.messageType === MessageType.NAK ? 'refused (NAK)' : 'answered with another address');
    }
  }

  /** The lease is gone: stop calling from its address and DHCP from scratch, as a phone does. */
  private leaseEnded(why: string): void {
    this.options.say(`${this.name}: lease of ${ipToString(this.address ?? 0)} ${why}; asking DHCP again`);
    if (why.startsWith('expired')) this.stats.expired++;
    this.generation++; // ends the calls and registrations of this lease
    this.cancel();
    this.cancelLeaseTimer();
    if (this.rtpTimer !== undefined) this.scheduler.cancel(this.rtpTimer);
    this.tftp = undefined;
    this.lease = undefined;
    this.leaseStage = 'none';
    this.address = undefined;
    this.host.ip = undefined;
    this.offer = undefined;
    this.fetched.length = 0;
    this.stage = 'dhcp';
    this.discover(0);
  }

  private atLeaseTime(at: number, run: () => void): void {
    this.cancelLeaseTimer();
    this.leaseTimer = this.scheduler.after(Math.max(0, at - this.scheduler.now()), () => {
      this.leaseTimer = undefined;
      run();
    });
  }

  private cancelLeaseTimer(): void {
    if (this.leaseTimer !== undefined) this.scheduler.cancel(this.leaseTimer);
    this.leaseTimer = undefined;
  }

  // ---- TFTP (RFC 1350 with blksize and tsize, lock-step) -------------------------------------

  private fetch(name: string, done: (ok: boolean) => void): void {
    const port = 49152 + this.rng.int(16000);
    const rrq = buildRequest(Opcode.RRQ, name, 'octet', [{ name: 'blksize', value: String(BLOCK_SIZE) }, { name: 'tsize', value: '0' }]);
    this.tftp = { name, port, serverPort: undefined, block: 0, bytes: 0, tries: 0, last: rrq, done };
    this.host.sendUdp(this.tftpServer, port, TFTP_PORT, rrq);
    this.tftpTimeout();
  }

  private tftpTimeout(): void {
    this.retry(1000, () => {
      const t = this.tftp;
      if (!t) return;
      if (++t.tries > MAX_TRIES) {
        this.tftp = undefined;
        t.done(false);
        return;
      }
      this.stats.tftpRetries++;
      this.host.sendUdp(this.tftpServer, t.port, t.serverPort ?? TFTP_PORT, t.last);
      this.tftpTimeout();
    });
  }

  private onTftp(datagram: ReceivedUdp): void {
    const t = this.tftp;
    if (!t || datagram.dstPort !== t.port || datagram.srcIp !== this.tftpServer) return;
    if (t.serverPort !== undefined && datagram.srcPort !== t.serverPort) return;
    const parsed = parsePacket(datagram.payload);
    if (!parsed.ok) return;
    const packet = parsed.packet;
    t.serverPort = datagram.srcPort;
    if (packet.op === Opcode.ERROR) {
      this.options.say(`${this.name}: TFTP error for ${t.name}: ${packet.message}`);
      this.tftp = undefined;
      this.cancel();
      t.done(false);
      return;
    }
    let finished = false;
    if (packet.op === Opcode.OACK) {
      t.last = buildAck(0);
    } else if (packet.op === Opcode.DATA) {
      if (packet.block !== ((t.block + 1) & 0xffff)) {
        this.host.sendUdp(this.tftpServer, t.port, t.serverPort, t.last); // duplicate: re-ACK
        return;
      }
      t.block = packet.block;
      t.bytes += packet.payload.length;
      t.last = buildAck(packet.block);
      finished = packet.payload.length < BLOCK_SIZE;
    } else return;
    t.tries = 0;
    this.host.sendUdp(this.tftpServer, t.port, t.serverPort, t.last);
    this.cancel();
    if (finished) {
      this.tftp = undefined;
      this.stats.tftpBytes += t.bytes;
      this.fetched.push({ name: t.name, bytes: t.bytes });
      t.done(true);
    } else this.tftpTimeout();
  }

  // ---- Calls -------------------------------------------------------------------------------

  private get sipPort(): number {
    return (this.ports as { first: number }).first;
  }

  private startCalls(): void {
    this.stage = 'running';
    const files = this.fetched.map((f) => `${f.name} (${f.bytes} bytes)`).join(' and ');
    this.options.say(`${this.name} booted: fetched ${files}; registering with ${ipToString(this.options.server)}:${SIP_PORT} from port ${this.sipPort}`);
    this.register();
    this.scheduler.after(3000 + this.rng.int(5000), () => this.call(this.generation));
  }

  private sendSip(firstLine: string, size: number): void {
    this.stats.sipSent++;
    this.host.sendUdp(this.options.server, this.sipPort, SIP_PORT, sipMessage(firstLine, size, `${ipToString(this.address ?? 0)}:${this.sipPort}`));
  }

  private register(): void {
    const generation = this.generation;
    this.sendSip(`REGISTER sip:${ipToString(this.options.server)} SIP/2.0`, 520);
    this.scheduler.after(60000, () => {
      if (generation === this.generation) this.register();
    });
  }

  private call(generation: number): void {
    if (generation !== this.generation || !this.ports) return;
    this.stats.calls++;
    const size = this.ports.last - this.ports.first + 1;
    // RTP on an even port of the block, above the SIP port.
    const rtpPort = this.ports.first + 2 + 2 * (this.stats.calls % Math.max(1, (size - 2) >> 1));
    this.sendSip(`INVITE sip:echo@${ipToString(this.options.server)} SIP/2.0`, 900);
    const packets = (10000 + this.rng.int(20000)) / RTP_INTERVAL_MS;
    let sent = 0;
    const rtp = new Uint8Array(RTP_PACKET);
    rtp[0] = 0x80;
    const tick = (): void => {
      if (generation !== this.generation) return;
      if (sent >= packets) {
        this.sendSip(`BYE sip:echo@${ipToString(this.options.server)} SIP/2.0`, 450);
        this.scheduler.after(5000 + this.rng.int(10000), () => this.call(generation));
        return;
      }
      rtp[2] = (sent >>> 8) & 0xff;
      rtp[3] = sent & 0xff;
      sent++;
      this.stats.rtpSent++;
      this.host.sendUdp(this.options.server, rtpPort, 40000 + (rtpPort & 0x3ff) * 2, rtp);
      this.rtpTimer = this.scheduler.after(RTP_INTERVAL_MS, tick);
    };
    this.scheduler.after(200, tick);
  }

  // ---- Plumbing ----------------------------------------------------------------------------

  private onUdp(datagram: ReceivedUdp): void {
    if (datagram.dstPort === DHCP_CLIENT && datagram.srcPort === DHCP_SERVER) {
      const message = parseDhcp(datagram.payload);
      if (!isDhcpError(message)) this.onDhcp(message);
      return;
    }
    if (this.stage === 'tftp') return this.onTftp(datagram);
    if (this.stage !== 'running' || datagram.srcIp !== this.options.server) return;
    if (datagram.srcPort === SIP_PORT) this.stats.sipAnswered++;
    else this.stats.rtpReceived++;
  }

  private retry(ms: number, run: () => void): void {
    this.cancel();
    const generation = this.generation;
    this.timer = this.scheduler.after(ms, () => {
      this.timer = undefined;
      if (generation === this.generation) run();
    });
  }

  private cancel(): void {
    if (this.timer !== undefined) this.scheduler.cancel(this.timer);
    this.timer = undefined;
  }

  private fail(why: string): void {
    this.stage = 'failed';
    this.cancel();
    this.options.say(`${this.name} FAILED: ${why}`);
  }
}
