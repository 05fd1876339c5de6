// A phone's DHCP client on a simulated host (RFC 2131 §4.4 client states): INIT -> SELECTING ->
// REQUESTING -> BOUND -> RENEWING -> REBINDING, INIT-REBOOT after its own power cut. Written for
// the tests; retransmits with a seeded jitter so 200 of them do not march in step.
import type { SimHost, ReceivedUdp } from '../../hal/sim/host';
import type { Scheduler } from '../../hal/sim/scheduler';
import type { Rng } from '../../hal/sim/random';
import { MessageType } from '../../firmware/wire/dhcp';
import { TestClient, readReply, type ClientOptions, type Reply } from './client';

export type PhoneState = 'init' | 'selecting' | 'requesting' | 'init-reboot' | 'bound' | 'renewing' | 'rebinding';

export class SimPhone {
  readonly client: TestClient;
  state: PhoneState = 'init';
  lease: Reply | undefined;
  /** Every ACK received, in order. */
  readonly acks: Reply[] = [];
  naks = 0;
  private boundAt = 0;
  private timer: number | undefined;
  private attempts = 0;

  constructor(
    readonly host: SimHost,
    private readonly scheduler: Scheduler,
    private readonly rng: Rng,
    options: ClientOptions,
  ) {
    this.client = new TestClient(host.mac, options, rng.nextU32());
    host.onUdp = (datagram) => this.onUdp(datagram);
  }

  /** Power on with no memory of a lease: DISCOVER. */
  boot(): void {
    this.state = 'init';
    this.host.ip = undefined;
    this.attempts = 0;
    this.sendDiscover();
  }

  /** Power on remembering the last lease: INIT-REBOOT (RFC 2131 §3.2). */
  reboot(): void {
    if (!this.lease) return this.boot();
    this.state = 'init-reboot';
    this.attempts = 0;
    this.host.ip = undefined;
    this.newXid();
    this.broadcast(this.client.initReboot(this.lease.yiaddr));
    this.retry(() => this.reboot());
  }

  /** Renew now, as at T1 (unicast to the server). */
  renewNow(): void {
    if (!this.lease || !this.host.ip) return;
    this.state = 'renewing';
    this.newXid();
    this.host.sendUdp(this.lease.serverId!, 68, 67, this.client.renew(this.lease.yiaddr));
    this.retry(() => this.renewNow());
  }

  private newXid(): void {
    this.client.xid = this.rng.nextU32();
  }

  private broadcast(payload: Uint8Array): void {
    this.host.sendUdp(0xffffffff, 68, 67, payload);
  }

  private sendDiscover(): void {
    this.state = 'selecting';
    this.newXid();
    this.broadcast(this.client.discover());
    this.retry(() => this.sendDiscover());
  }

  private retry(again: () => void): void {
    this.cancel();
    // RFC 2131 §4.1: 4 s, 8 s, ... up to 64 s, randomised by +-1 s.
    const delay = Math.min(64_000, 4000 * 2 ** Math.min(this.attempts, 4)) + this.rng.int(2000) - 1000;
    this.attempts++;
    this.timer = this.scheduler.after(delay, () => {
      this.timer = undefined;
      again();
    });
  }

  private cancel(): void {
    if (this.timer !== undefined) this.scheduler.cancel(this.timer);
    this.timer = undefined;
  }

  stop(): void {
    this.cancel();
  }

  private onUdp(datagram: ReceivedUdp): void {
    if (datagram.dstPort !== 68 || datagram.srcPort !== 67) return;
    let reply: Reply;
    try {
      reply = readReply(datagram.payload);
    } catch {
      return;
    }
    if (reply.xid !== this.client.xid) return;
    if (reply.type === MessageType.OFFER && this.state === 'selecting') {
      this.state = 'requesting';
      this.attempts = 0;
      this.broadcast(this.client.select(reply));
      this.retry(() => this.boot());
      return;
    }
    if (reply.type === MessageType.ACK && this.state !== 'bound' && this.state !== 'selecting') {
      this.cancel();
      this.lease = reply;
      this.acks.push(reply);
      this.state = 'bound';
      this.host.ip = reply.yiaddr;
      this.host.prefixLength = reply.mask === undefined ? 24 : 32 - Math.clz32(~reply.mask);
      this.host.gateway = reply.routers?.[0];
      this.boundAt = this.scheduler.now();
      this.attempts = 0;
      const t1 = (reply.t1 ?? 1800) * 1000;
      this.timer = this.scheduler.after(t1, () => {
        this.timer = undefined;
        this.renewNow();
      });
      return;
    }
    if (reply.type === MessageType.NAK && this.state !== 'bound') {
      this.naks++;
      this.cancel();
      this.lease = undefined;
      this.boot();
    }
  }

  get boundSince(): number {
    return this.boundAt;
  }
}
