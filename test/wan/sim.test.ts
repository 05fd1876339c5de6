// The WAN DHCP client on the simulated board against a small DHCP server on the WAN switch: the
// router gets its public address by DORA through the real stack, NAPPT translates with it at once,
// renews by unicast at T1, and follows a new address when the server hands one out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Testbed } from '../../hal/sim/testbed';
import type { Hal } from '../../hal/hal';
import { Reactor } from '../../firmware/reactor';
import { createStack, type RouterStack } from '../../firmware/stack';
import { NapptForwarder, attachForwarder } from '../../firmware/nappt';
import { Wan } from '../../firmware/wan';
import { BOOTREPLY, MessageType, Opt, emitDhcp, isDhcpError, parseDhcp, type DhcpMessage } from '../../firmware/wire/dhcp';
import { ipListValue, u32Value } from '../../firmware/wire/dhcp-options';
import { buildUdp, BROADCAST } from '../../hal/sim/frames';
import { parseIp } from '../../firmware/util/ipv4';
import type { SimHost } from '../../hal/sim/host';
import { ScriptedLeases, PHONE_A } from '../nappt/harness';

const ip = (t: string) => parseIp(t) as number;
const SERVER = ip('203.0.113.1');
const LAN_IP = ip('192.168.10.1');

interface Firmware {
  stack: RouterStack;
  forwarder: NapptForwarder;
  wan: Wan;
  states: (number | undefined)[];
}

/** A minimal DHCP server on a sim host: offers `address()` with a 600 s lease, ACKs requests, counts. */
function dhcpServer(host: SimHost, address: () => number) {
  const seen: { type: number; ciaddr: number; dstIp: number; broadcastFlag: boolean }[] = [];
  host.onUdp = (datagram) => {
    if (datagram.dstPort !== 67) return;
    const message = parseDhcp(datagram.payload);
    if (isDhcpError(message)) return;
    seen.push({ type: message.messageType, ciaddr: message.ciaddr, dstIp: datagram.dstIp, broadcastFlag: (message.flags & 0x8000) !== 0 });
    const type = message.messageType === MessageType.DISCOVER ? MessageType.OFFER : MessageType.ACK;
    const payload = reply(message, type, address());
    const toBroadcast = message.ciaddr === 0;
    host.send(buildUdp(host.mac, toBroadcast ? BROADCAST : datagram.srcMac, SERVER, toBroadcast ? 0xffffffff : message.ciaddr, 67, 68, payload));
  };
  return seen;
}

function reply(request: DhcpMessage, type: number, yiaddr: number): Uint8Array {
  const buffer = new Uint8Array(576);
  const result = emitDhcp(
    {
      op: BOOTREPLY,
      xid: request.xid,
      yiaddr,
      flags: request.flags,
      chaddr: request.bytes.slice(28, 34),
      options: [
        { code: Opt.MESSAGE_TYPE, value: new Uint8Array([type]) },
        { code: Opt.SERVER_ID, value: ipListValue([SERVER]) },
        { code: Opt.LEASE_TIME, value: u32Value(600) },
        { code: Opt.SUBNET_MASK, value: ipListValue([ip('255.255.255.0')]) },
        { code: Opt.ROUTER, value: ipListValue([SERVER]) },
      ],
    },
    buffer,
    576,
  );
  return buffer.slice(0, result.length);
}

test('DORA through the stack on the WAN switch; NAPPT uses the leased address at once; T1 renewal is unicast; a new address is followed', () => {
  const bed = new Testbed<Firmware>({ seed: 9 });
  const firmware = bed.start((hal: Hal) => {
    const stack = createStack(hal);
    const reactor = new Reactor(hal);
    reactor.add(stack);
    stack.onPollChange = () => reactor.reschedule();
    stack.setAddress('lan', { ip: LAN_IP, prefixLength: 24 });
    const leases = new ScriptedLeases();
    leases.bind({ mac: PHONE_A.mac, ip: PHONE_A.ip, block: PHONE_A.block, expiresAt: 1e12 });
    const forwarder = new NapptForwarder({ stack, leases, now: () => hal.now() });
    const word = new Uint32Array(1);
    const states: (number | undefined)[] = [];
    const wan = new Wan({
      stack,
      mac: hal.ports.wan.mac,
      config: { mode: 'dhcp', hostname: 'plugboard' },
      random: () => (hal.randomFill(new Uint8Array(word.buffer)), word[0]),
      now: () => hal.now(),
      onPollChange: () => reactor.reschedule(),
    });
    wan.subscribe((state) => {
      states.push(state?.address);
      forwarder.setWan(state && { address: state.address, prefixLength: state.prefixLength, gateway: state.gateway });
    });
    attachForwarder(hal.ports.wan, stack, forwarder);
    reactor.add(forwarder);
    reactor.add(wan);
    wan.start(hal.now());
    return { stack, forwarder, wan, states };
  });
  let offered = ip('203.0.113.50');
  const server = bed.addHost({ name: 'isp', mac: '00:00:5e:00:53:01', ip: SERVER, prefixLength: 24 }, 'wan');
  const seen = dhcpServer(server, () => offered);
  const phone = bed.addHost({ name: 'phone', mac: PHONE_A.mac, ip: PHONE_A.ip, prefixLength: 24, gateway: LAN_IP });
  bed.run(2000);
  assert.equal(seen.map((s) => s.type), [MessageType.DISCOVER, MessageType.REQUEST]);
  assert.ok(seen.every((s) => s.broadcastFlag && s.dstIp === 0xffffffff));
  assert.is(firmware.wan.publicAddress(), offered);
  assert.is(firmware.forwarder.publicAddress(), offered);
  assert.equal(firmware.stack.address('wan'), { ip: offered, prefixLength: 24, gateway: SERVER });
  phone.sendUdp(SERVER, 16400, 5060, new Uint8Array(8));
  bed.run(100);
  const out = server.udp.find((d) => d.dstPort === 5060)!;
  assert.is(out.srcIp, offered, 'translated to the leased address');
  assert.is(out.srcPort, 16400);
  // T1 at 300 s: unicast REQUEST with ciaddr; same address, so nothing changes.
  bed.run(300_000);
  const renew = seen[2];
  assert.is(renew.type, MessageType.REQUEST);
  assert.is(renew.ciaddr, offered);
  assert.is(renew.dstIp, SERVER, 'renewal is unicast to the server');
  assert.is(firmware.wan.client!.phase, 'bound');
  // The server moves us at the next renewal: translation follows at once.
  offered = ip('203.0.113.60');
  bed.run(300_000);
  assert.is(firmware.forwarder.publicAddress(), offered);
  phone.sendUdp(SERVER, 16401, 5060, new Uint8Array(8));
  bed.run(100);
  assert.is(server.udp.filter((d) => d.dstPort === 5060).pop()!.srcIp, offered);
  assert.ok(firmware.states.includes(ip('203.0.113.50')) && firmware.states.includes(offered));
});

test('with the DHCP server gone, the lease expires: the address is dropped and discovery restarts', () => {
  const bed = new Testbed<Firmware>({ seed: 10 });
  const firmware = bed.start((hal: Hal) => {
    const stack = createStack(hal);
    const reactor = new Reactor(hal);
    reactor.add(stack);
    stack.onPollChange = () => reactor.reschedule();
    const forwarder = new NapptForwarder({ stack, leases: new ScriptedLeases(), now: () => hal.now() });
    const word = new Uint32Array(1);
    const states: (number | undefined)[] = [];
    const wan = new Wan({ stack, mac: hal.ports.wan.mac, config: { mode: 'dhcp' }, random: () => (hal.randomFill(new Uint8Array(word.buffer)), word[0]), now: () => hal.now(), onPollChange: () => reactor.reschedule() });
    wan.subscribe((state) => {
      states.push(state?.address);
      forwarder.setWan(state && { address: state.address, prefixLength: state.prefixLength, gateway: state.gateway });
    });
    reactor.add(wan);
    wan.start(hal.now());
    return { stack, forwarder, wan, states };
  });
  const server = bed.addHost({ name: 'isp', mac: '00:00:5e:00:53:01', ip: SERVER, prefixLength: 24 }, 'wan');
  const seen = dhcpServer(server, () => ip('203.0.113.50'));
  bed.run(2000);
  assert.is(firmware.wan.publicAddress(), ip('203.0.113.50'));
  server.onUdp = undefined; // the ISP's server dies
  bed.run(600_000);
  assert.is(firmware.wan.publicAddress(), undefined);
  assert.is(firmware.forwarder.publicAddress(), undefined);
  assert.is(firmware.stack.address('wan'), undefined);
  assert.is(firmware.states[firmware.states.length - 1], undefined);
  assert.is(firmware.wan.client!.counters.expiries, 1);
  assert.ok(firmware.wan.client!.counters.rebinds === 1);
  assert.is(seen.length, 2);
});

test('static WAN: validated, applied to the stack and published', () => {
  const calls: unknown[] = [];
  const stack = { setAddress: (_port: string, address: unknown) => calls.push(address), bindUdp: () => undefined };
  const wan = new Wan({ stack, mac: new Uint8Array(6), config: { mode: 'static', address: ip('198.51.100.2'), prefixLength: 24, gateway: ip('198.51.100.1') }, random: () => 0, now: () => 0 });
  const states: unknown[] = [];
  wan.subscribe((s) => states.push(s?.address));
  wan.start(0);
  assert.equal(calls, [{ ip: ip('198.51.100.2'), prefixLength: 24, gateway: ip('198.51.100.1') }]);
  assert.equal(states, [ip('198.51.100.2')]);
  assert.is(wan.pollAt(), undefined);
  assert.throws(() => new Wan({ stack, mac: new Uint8Array(6), config: { mode: 'static', address: ip('198.51.100.2'), prefixLength: 24, gateway: ip('10.0.0.1') }, random: () => 0, now: () => 0 }), /gateway/);
});

test.run();
