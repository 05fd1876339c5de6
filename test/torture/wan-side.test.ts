// From the WAN nothing gets in (ports mode, the whole firmware on the simulated board with a phone
// in a call): DHCP, TFTP and console-related traffic from the WAN, spoofed private, loopback and
// own-address sources, packets to unmapped public ports, packets for LAN addresses; from the LAN, a
// host borrowing a phone's address and block, hostile TFTP names and writes without a window.
// Each case names the counter its drop must land in, and checks that nothing reached the phone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildEcho, buildIpv4, buildUdp } from '../../hal/sim/frames';
import { buildRequest, Opcode, parsePacket } from '../../firmware/wire/tftp';
import type { SimHost } from '../../hal/sim/host';
import { TestClient, macOf } from '../dhcp/client';
import { officeBed, PUBLIC_IP, ROUTER_LAN_IP, type OfficeBed } from './office';

const ATTACKER_IP = 0xcb007132; // 203.0.113.50, on the WAN subnet
const MARK = new TextEncoder().encode('WAN-PROBE-MARK');
const withMark = (bytes: Uint8Array): Uint8Array => Uint8Array.from([...bytes, ...MARK]);

function counters(bed: OfficeBed): Record<string, number> {
  const fw = bed.firmware();
  const out: Record<string, number> = { ...fw.stack.counters() };
  for (const [k, v] of Object.entries(bed.nappt().forwarder.drops())) out[`drop.${k}`] = v;
  for (const [k, v] of Object.entries(bed.dhcp().server.counters())) out[k] = v;
  for (const [k, v] of Object.entries(bed.tftp().status().errors)) out[`tftp.${k}`] = v;
  out['tftp.requests'] = bed.tftp().status().totals.requests;
  return out;
}

let shared: { bed: OfficeBed; attacker: SimHost; lanAttacker: SimHost } | undefined;
async function bench() {
  if (!shared) {
    const bed = await officeBed(17, 1, 500);
    await bed.run(15_000);
    assert.is(bed.office.phones[0].stage, 'running');
    shared = { bed, attacker: bed.host('wan-attacker', '02:dd:00:00:00:01', 'wan', ATTACKER_IP), lanAttacker: bed.host('lan-attacker', '02:dd:00:00:00:02', 'lan', 0xc0a80133) };
  }
  return shared;
}

/**
 * Send `frame`, let 2 s pass; `expect` names the counters that must move by exactly 1 (others may
 * move with the phone's call) and `none` those that must not move. Returns what came back.
 */
async function probe(from: 'wan' | 'lan', frame: Uint8Array, expect: string[], none: string[] = []): Promise<{ back: SimHost['frames'] extends () => infer R ? R : never }> {
  const { bed, attacker, lanAttacker } = await bench();
  const host = from === 'wan' ? attacker : lanAttacker;
  const before = counters(bed);
  host.clear();
  const phoneHost = bed.office.phones[0].host;
  phoneHost.clear();
  host.send(frame);
  await bed.run(2_000);
  const after = counters(bed);
  for (const name of expect) assert.is((after[name] ?? 0) - (before[name] ?? 0), 1, `${name} moved by one`);
  for (const name of none) assert.is((after[name] ?? 0) - (before[name] ?? 0), 0, `${name} did not move`);
  const leaked = phoneHost.frames().some((p) => p.frame.length >= MARK.length && indexOf(p.frame, MARK) >= 0);
  assert.not.ok(leaked, 'the probe reached the phone');
  return { back: host.frames() };
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const wanMac = async (): Promise<Uint8Array> => (await bench()).bed.bed.board.ports.wan.mac;
const lanMac = async (): Promise<Uint8Array> => (await bench()).bed.bed.board.ports.lan.mac;
const attackerMac = Uint8Array.of(0x02, 0xdd, 0, 0, 0, 1);
const lanAttackerMac = Uint8Array.of(0x02, 0xdd, 0, 0, 0, 2);
const DHCP_NONE = ['dhcp.rx.discover', 'dhcp.tx.offer'];

test('WAN: a broadcast DHCPDISCOVER is never seen by the DHCP server', async () => {
  const { back } = await probe('wan', buildUdp(attackerMac, Uint8Array.of(255, 255, 255, 255, 255, 255), 0, 0xffffffff, 68, 67, new TestClient(macOf(9)).discover()), ['udp.no-listener'], DHCP_NONE);
  assert.is(back.length, 0, 'no answer at all');
});

test('WAN: a DHCPDISCOVER to the public address gets a port unreachable, never an offer', async () => {
  const { back } = await probe('wan', buildUdp(attackerMac, await wanMac(), ATTACKER_IP, PUBLIC_IP, 68, 67, new TestClient(macOf(9)).discover()), ['udp.no-listener', 'icmp.unreachable-sent'], DHCP_NONE);
  assert.ok(back.every((p) => p.ipv4?.protocol === 1), 'only ICMP came back');
});

test('WAN: TFTP reads and writes to the public address reach no TFTP server', async () => {
  for (const op of [Opcode.RRQ, Opcode.WRQ] as const) {
    const { back } = await probe('wan', buildUdp(attackerMac, await wanMac(), ATTACKER_IP, PUBLIC_IP, 4000 + op, 69, buildRequest(op, 'demo-phone-fw.bin', 'octet')), ['udp.no-listener'], ['tftp.requests']);
    assert.ok(back.every((p) => p.ipv4?.protocol === 1), 'no TFTP packet came back');
  }
});

test('WAN: console-related ports (telnet, SSH, HTTP) lead nowhere and answer nothing', async () => {
  for (const port of [22, 23, 80]) {
    const syn = new Uint8Array([0x10, 0x00, port >> 8, port & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]);
    const { back } = await probe('wan', buildIpv4(attackerMac, await wanMac(), ATTACKER_IP, PUBLIC_IP, 6, withMark(syn)), ['drop.wan-no-mapping']);
    assert.is(back.length, 0, `port ${port} answered`);
  }
});

test('WAN: an echo request to the public address is answered by the router itself (and counted)', async () => {
  const { back } = await probe('wan', buildEcho('echo-request', attackerMac, await wanMac(), ATTACKER_IP, PUBLIC_IP, 7, 1, MARK), ['icmp.echo-replied']);
  assert.is(back.filter((p) => p.ipv4?.protocol === 1).length, 1);
});

test('WAN: packets for LAN addresses (the router\'s, a phone\'s) are dropped, not routed', async () => {
  await probe('wan', buildEcho('echo-request', attackerMac, await wanMac(), ATTACKER_IP, ROUTER_LAN_IP, 7, 2, MARK), ['drop.wan-not-our-address']);
  const phone = (await bench()).bed.office.phones[0].address!;
  await probe('wan', buildUdp(attackerMac, await wanMac(), ATTACKER_IP, phone, 5060, 5060, MARK), ['drop.wan-not-our-address']);
});

test('WAN: private, loopback, multicast and our own source addresses are dropped, even into a phone\'s block', async () => {
  const block = (await bench()).bed.office.phones[0].ports!.first + 2;
  for (const src of [0x0a000001, 0xc0a80164, 0x7f000001, 0xe0000001, PUBLIC_IP, ROUTER_LAN_IP]) {
    const { back } = await probe('wan', buildUdp(attackerMac, await wanMac(), src, PUBLIC_IP, 5060, block, MARK), ['drop.wan-source-bogon']);
    assert.is(back.length, 0);
  }
});

test('WAN: UDP to an unmapped public port gets a port unreachable; TCP is dropped silently', async () => {
  await probe('wan', buildUdp(attackerMac, await wanMac(), ATTACKER_IP, PUBLIC_IP, 5060, 40_000, MARK), ['udp.no-listener']);
  const syn = new Uint8Array([0x13, 0xc4, 0x9c, 0x40, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]);
  await probe('wan', buildIpv4(attackerMac, await wanMac(), ATTACKER_IP, PUBLIC_IP, 6, withMark(syn)), ['drop.wan-no-mapping']);
});

test("LAN: a host spoofing a phone's address to borrow its block is dropped", async () => {
  const phone = (await bench()).bed.office.phones[0];
  await probe('lan', buildUdp(lanAttackerMac, await lanMac(), phone.address!, 0xcb007101, phone.ports!.first, 5060, MARK), ['drop.lan-source-spoofed']);
});

test('LAN: hostile TFTP names are refused, each with its reason counted', async () => {
  const lanIp = 0xc0a80133;
  const names: [string, string][] = [
    ['../etc/passwd', 'tftp.name:dot-segment'],
    ['/../x', 'tftp.name:dot-segment'],
    ['..\\boot.ini', 'tftp.name:backslash'],
    ['%2e%2e/%2e%2e/etc/passwd', 'tftp.not-found'], // taken literally: no URL decoding, so no such item
    ['a\u0000b', 'tftp.malformed-request:bad-mode'],
    ['x'.repeat(1000), 'tftp.malformed-request:field-too-long'],
  ];
  for (const [name, counter] of names) {
    const { back } = await probe('lan', buildUdp(lanAttackerMac, await lanMac(), lanIp, ROUTER_LAN_IP, 5000, 69, buildRequest(Opcode.RRQ, name, 'octet')), [counter]);
    const replies = back.filter((p) => p.udp?.srcPort === 69).map((p) => parsePacket(p.udp!.payload));
    assert.ok(replies.length === 1 && replies[0].ok && replies[0].packet.op === Opcode.ERROR, `${JSON.stringify(name.slice(0, 20))} got an error packet`);
  }
});

test('LAN: a TFTP write without an open upload window is refused', async () => {
  const { back } = await probe('lan', buildUdp(lanAttackerMac, await lanMac(), 0xc0a80133, ROUTER_LAN_IP, 5001, 69, buildRequest(Opcode.WRQ, 'demo-phone-fw.bin', 'octet')), ['tftp.requests']);
  const reply = back.find((p) => p.udp?.srcPort === 69);
  assert.ok(reply && reply.udp, 'an answer came');
  const parsed = parsePacket(reply.udp.payload);
  assert.ok(parsed.ok && parsed.packet.op === Opcode.ERROR, 'it is an error');
  assert.ok(Object.keys((await bench()).bed.tftp().status().errors).some((k) => k.startsWith('upload')), `errors: ${JSON.stringify((await bench()).bed.tftp().status().errors)}`);
});

test.run();
