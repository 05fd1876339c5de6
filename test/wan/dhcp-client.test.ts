// The WAN DHCP client as an exchange script: DORA, retransmission backoff, renew at T1, rebind at T2,
// restart on expiry and NAK, and refusal of replies that are not for us.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DhcpClient, prefixFromMask, type WanLease } from '../../firmware/wan/dhcpClient';
import { BOOTREPLY, FLAG_BROADCAST, MessageType, Opt, emitDhcp, parseDhcp, isDhcpError, type DhcpMessage, type DhcpOption } from '../../firmware/wire/dhcp';
import { ipListValue, u32Value } from '../../firmware/wire/dhcp-options';
import { parseIp } from '../../firmware/util/ipv4';
import { Rng } from '../../hal/sim/random';

const ip = (t: string) => parseIp(t) as number;
const MAC = new Uint8Array([0x02, 0, 0, 0, 0, 0x02]);
const SERVER = ip('198.51.100.1');
const OTHER_SERVER = ip('198.51.100.254');
const ADDRESS = ip('198.51.100.2');

interface Sent { message: DhcpMessage; server: number | undefined }

function rig() {
  const rng = new Rng(5);
  const sent: Sent[] = [];
  const leases: (WanLease | undefined)[] = [];
  const client = new DhcpClient({
    mac: MAC,
    hostname: 'plugboard',
    random: () => rng.nextU32(),
    send: (payload, server) => {
      const message = parseDhcp(payload);
      if (isDhcpError(message)) throw new Error(message);
      sent.push({ message, server });
    },
    onLease: (lease) => leases.push(lease),
  });
  const take = () => sent.splice(0, sent.length);
  /** Run dispatch at pollAt until `until` (like the reactor). */
  const runUntil = (until: number) => {
    for (let guard = 0; guard < 1000; guard++) {
      const at = client.pollAt();
      if (at === undefined || at > until) return;
      client.dispatch(at);
    }
  };
  return { client, sent, leases, take, runUntil };
}

function reply(to: DhcpMessage, type: number, options: DhcpOption[], extra: { yiaddr?: number; xid?: number; chaddr?: Uint8Array } = {}): Uint8Array {
  const buffer = new Uint8Array(576);
  const result = emitDhcp(
    { op: BOOTREPLY, xid: extra.xid ?? to.xid, yiaddr: extra.yiaddr ?? ADDRESS, chaddr: extra.chaddr ?? MAC, options: [{ code: Opt.MESSAGE_TYPE, value: new Uint8Array([type]) }, ...options] },
    buffer,
    576,
  );
  return buffer.slice(0, result.length);
}

const leaseOptions = (server = SERVER, seconds = 3600, extra: DhcpOption[] = []): DhcpOption[] => [
  { code: Opt.SERVER_ID, value: ipListValue([server]) },
  { code: Opt.LEASE_TIME, value: u32Value(seconds) },
  { code: Opt.SUBNET_MASK, value: ipListValue([ip('255.255.255.0')]) },
  { code: Opt.ROUTER, value: ipListValue([SERVER]) },
  { code: Opt.DNS, value: ipListValue([ip('198.51.100.53')]) },
  ...extra,
];

function bind(r: ReturnType<typeof rig>, now = 0) {
  r.client.start(now);
  r.runUntil(now + 1000);
  const [discover] = r.take();
  r.client.receive(reply(discover.message, MessageType.OFFER, leaseOptions()), now + 1000);
  const [request] = r.take();
  r.client.receive(reply(request.message, MessageType.ACK, leaseOptions()), now + 1000);
  return { discover, request };
}

test('DORA: DISCOVER broadcast (flag set), REQUEST with requested address and server id, ACK binds with T1/T2 defaults', () => {
  const r = rig();
  r.client.start(0);
  const at = r.client.pollAt() as number;
  assert.ok(at >= 0 && at < 1000, 'random start delay under a second');
  r.client.dispatch(at);
  const [discover] = r.take();
  assert.is(discover.server, undefined);
  assert.is(discover.message.messageType, MessageType.DISCOVER);
  assert.is(discover.message.flags & FLAG_BROADCAST, FLAG_BROADCAST);
  assert.equal([...(discover.message.options.get(Opt.CLIENT_ID) ?? [])], [1, 2, 0, 0, 0, 0, 2]);
  assert.ok(discover.message.options.get(Opt.PARAMETER_LIST)?.includes(Opt.ROUTER));
  r.client.receive(reply(discover.message, MessageType.OFFER, leaseOptions()), 1500);
  const [request] = r.take();
  assert.is(request.message.messageType, MessageType.REQUEST);
  assert.is(request.message.xid, discover.message.xid);
  assert.equal([...(request.message.options.get(Opt.REQUESTED_IP) ?? [])], [198, 51, 100, 2]);
  assert.equal([...(request.message.options.get(Opt.SERVER_ID) ?? [])], [198, 51, 100, 1]);
  assert.is(r.client.phase, 'requesting');
  r.client.receive(reply(request.message, MessageType.ACK, leaseOptions()), 2000);
  assert.is(r.client.phase, 'bound');
  const lease = r.leases[0] as WanLease;
  assert.is(lease.address, ADDRESS);
  assert.is(lease.prefixLength, 24);
  assert.is(lease.gateway, SERVER);
  assert.equal(lease.dns, [ip('198.51.100.53')]);
  assert.is(lease.t1At, 2000 + 1_800_000);
  assert.is(lease.t2At, 2000 + 3_150_000);
  assert.is(lease.expiresAt, 2000 + 3_600_000);
  assert.is(r.client.pollAt(), lease.t1At);
});

test('DISCOVER retransmits with exponential backoff (4, 8, 16 s +-1 s), capped at 64 s', () => {
  const r = rig();
  r.client.start(0);
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const at = r.client.pollAt() as number;
    r.client.dispatch(at);
    times.push(at);
  }
  assert.is(r.take().length, 7);
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  const expected = [4000, 8000, 16000, 32000, 64000, 64000];
  gaps.forEach((gap, i) => assert.ok(Math.abs(gap - expected[i]) <= 1000, `gap ${i}: ${gap}`));
});

test('REQUESTING gives up after 4 tries and starts over with DISCOVER', () => {
  const r = rig();
  r.client.start(0);
  r.runUntil(1000);
  const [discover] = r.take();
  r.client.receive(reply(discover.message, MessageType.OFFER, leaseOptions()), 1000);
  r.runUntil(200_000);
  const sent = r.take();
  assert.is(sent.filter((s) => s.message.messageType === MessageType.REQUEST).length, 4);
  assert.ok(sent.some((s) => s.message.messageType === MessageType.DISCOVER));
  assert.is(r.client.counters.restarts, 1);
});

test('renew at T1 by unicast to the server; ACK extends the lease', () => {
  const r = rig();
  bind(r);
  const lease = r.leases[0] as WanLease;
  r.runUntil(lease.t1At);
  const [renew] = r.take();
  assert.is(renew.server, SERVER, 'unicast to the granting server');
  assert.is(renew.message.ciaddr, ADDRESS);
  assert.is(renew.message.flags & FLAG_BROADCAST, 0);
  assert.not.ok(renew.message.options.has(Opt.REQUESTED_IP));
  assert.not.ok(renew.message.options.has(Opt.SERVER_ID));
  assert.is(r.client.phase, 'renewing');
  r.client.receive(reply(renew.message, MessageType.ACK, leaseOptions()), lease.t1At + 50);
  assert.is(r.client.phase, 'bound');
  assert.is((r.leases[1] as WanLease).expiresAt, lease.t1At + 50 + 3_600_000);
});

test('no answer while renewing: retransmit at half the time left (>= 60 s), rebind by broadcast at T2, any server may answer', () => {
  const r = rig();
  bind(r);
  const lease = r.leases[0] as WanLease;
  r.runUntil(lease.t2At - 1);
  const renewals = r.take();
  assert.ok(renewals.length >= 3, `${renewals.length} renew requests`);
  assert.ok(renewals.every((s) => s.server === SERVER));
  r.runUntil(lease.t2At);
  const [rebind] = r.take();
  assert.is(r.client.phase, 'rebinding');
  assert.is(rebind.server, undefined, 'broadcast');
  assert.is(rebind.message.ciaddr, ADDRESS);
  r.client.receive(reply(rebind.message, MessageType.ACK, leaseOptions(OTHER_SERVER)), lease.t2At + 10);
  assert.is(r.client.phase, 'bound');
  assert.is((r.leases[1] as WanLease).server, OTHER_SERVER);
});

test('lease expiry drops the address and restarts discovery', () => {
  const r = rig();
  bind(r);
  const lease = r.leases[0] as WanLease;
  r.runUntil(lease.expiresAt);
  assert.is(r.leases[r.leases.length - 1], undefined, 'address lost at expiry');
  assert.is(r.client.phase, 'init');
  assert.is(r.client.counters.expiries, 1);
  r.take();
  r.runUntil(lease.expiresAt + 1000);
  assert.is(r.take()[0].message.messageType, MessageType.DISCOVER);
});

test('NAK while renewing drops the lease and starts over', () => {
  const r = rig();
  bind(r);
  const lease = r.leases[0] as WanLease;
  r.runUntil(lease.t1At);
  const [renew] = r.take();
  r.client.receive(reply(renew.message, MessageType.NAK, [{ code: Opt.SERVER_ID, value: ipListValue([SERVER]) }]), lease.t1At + 5);
  assert.is(r.leases[r.leases.length - 1], undefined);
  assert.is(r.client.phase, 'init');
});

test('replies for another transaction, another MAC, without lease time, or garbage are ignored and counted', () => {
  const r = rig();
  r.client.start(0);
  r.runUntil(1000);
  const [discover] = r.take();
  r.client.receive(reply(discover.message, MessageType.OFFER, leaseOptions(), { xid: discover.message.xid ^ 1 }), 1000);
  r.client.receive(reply(discover.message, MessageType.OFFER, leaseOptions(), { chaddr: new Uint8Array([2, 0, 0, 0, 0, 9]) }), 1000);
  r.client.receive(new Uint8Array(10), 1000);
  assert.is(r.client.phase, 'selecting');
  r.client.receive(reply(discover.message, MessageType.OFFER, leaseOptions()), 1000);
  const [request] = r.take();
  r.client.receive(reply(request.message, MessageType.ACK, [{ code: Opt.SERVER_ID, value: ipListValue([SERVER]) }]), 1000);
  assert.is(r.client.phase, 'requesting', 'an ACK without a lease time binds nothing');
  assert.is(r.client.counters.ignored, 4);
  const rng = new Rng(77);
  for (let i = 0; i < 5000; i++) {
    const bytes = reply(request.message, MessageType.ACK, leaseOptions());
    for (let k = 0; k < 3; k++) bytes[rng.nextU32() % bytes.length] = rng.nextU32() & 0xff;
    assert.not.throws(() => r.client.receive(bytes.subarray(0, rng.nextU32() % (bytes.length + 1)), 1000));
  }
});

test('prefixFromMask accepts contiguous masks only', () => {
  assert.is(prefixFromMask(ip('255.255.255.0')), 24);
  assert.is(prefixFromMask(ip('255.255.255.255')), 32);
  assert.is(prefixFromMask(0), 0);
  assert.is(prefixFromMask(ip('255.0.255.0')), undefined);
});

test.run();
