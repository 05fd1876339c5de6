// Real captured frames (fixtures.ts): deconstruct them field by field, then construct them again
// from their Reprs and compare byte for byte (smoltcp's deconstruct/construct tests).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ArpOperation,
  EtherType,
  IcmpType,
  IpProtocol,
  TcpFlag,
  emitArp,
  emitEthernet,
  emitIcmp,
  emitIpv4,
  emitTcp,
  emitUdp,
  isWireError,
  parseArp,
  parseEthernet,
  parseIcmp,
  parseIpv4,
  parseTcp,
  parseUdp,
  tcpClampMss,
  tcpMss,
  verifyTcpChecksum,
  verifyIpv4Checksum,
  type ArpRepr,
  type EthernetRepr,
  type IcmpRepr,
  type Ipv4Repr,
  type TcpRepr,
  type UdpRepr,
} from '../../firmware/wire';
import {
  ARP_REPLY,
  ARP_REQUEST,
  HOST_IP,
  HOST_MAC,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  ICMP_PORT_UNREACHABLE,
  PEER_IP,
  PEER_MAC,
  TCP_SYN,
  UDP_DNS_QUERY,
  withVlanTag,
} from './fixtures';

function ok<T>(result: T | string): T {
  if (isWireError(result)) throw new Error(`unexpected wire error ${result}`);
  return result as T;
}

/** Rebuild Ethernet + IPv4 headers from the parsed Reprs into a fresh frame of the same size. */
function rebuildHeaders(frame: Uint8Array): { out: Uint8Array; eth: EthernetRepr; ip: Ipv4Repr; l4: number } {
  const eth = ok<EthernetRepr>(parseEthernet(frame));
  const ip = ok<Ipv4Repr>(parseIpv4(frame, 14));
  const out = new Uint8Array(frame.length);
  assert.is(emitEthernet(eth, out), 14);
  const headerLength = emitIpv4(ip, out, 14);
  assert.is(headerLength, 20);
  return { out, eth, ip, l4: 14 + headerLength };
}

test('ARP request: deconstruct and construct', () => {
  const eth = ok<EthernetRepr>(parseEthernet(ARP_REQUEST));
  assert.is(eth.etherType, EtherType.ARP);
  assert.equal([...eth.dst], [255, 255, 255, 255, 255, 255]);
  assert.equal([...eth.src], [...HOST_MAC]);
  const arp = ok<ArpRepr>(parseArp(ARP_REQUEST, 14));
  assert.is(arp.operation, ArpOperation.Request);
  assert.is(arp.senderIp, HOST_IP);
  assert.is(arp.targetIp, PEER_IP);
  assert.equal([...arp.targetMac], [0, 0, 0, 0, 0, 0]);
  const out = new Uint8Array(ARP_REQUEST.length);
  emitEthernet(eth, out);
  assert.is(emitArp(arp, out, 14), 28);
  assert.equal(out, ARP_REQUEST);
});

test('ARP reply: deconstruct and construct', () => {
  const arp = ok<ArpRepr>(parseArp(ARP_REPLY, 14));
  assert.is(arp.operation, ArpOperation.Reply);
  assert.equal([...arp.senderMac], [...PEER_MAC]);
  assert.equal([...arp.targetMac], [...HOST_MAC]);
  const out = new Uint8Array(ARP_REPLY.length);
  emitEthernet(ok<EthernetRepr>(parseEthernet(ARP_REPLY)), out);
  emitArp(arp, out, 14);
  assert.equal(out, ARP_REPLY);
});

test('ICMP echo request and the kernel reply: deconstruct and construct', () => {
  for (const [frame, kind, ident] of [
    [ICMP_ECHO_REQUEST, 'echo-request', 11901],
    [ICMP_ECHO_REPLY, 'echo-reply', 11901],
  ] as const) {
    const { out, ip, l4 } = rebuildHeaders(frame);
    assert.is(ip.protocol, IpProtocol.ICMP);
    assert.ok(verifyIpv4Checksum(frame, 14));
    const icmp = ok<IcmpRepr>(parseIcmp(frame, l4, 14 + 20 + ip.payloadLength));
    assert.is(icmp.kind, kind);
    if (icmp.kind !== 'echo-request' && icmp.kind !== 'echo-reply') throw new Error('kind');
    assert.is(icmp.ident, ident);
    assert.is(icmp.seq, 0);
    assert.is(icmp.data.length, 16);
    assert.is(emitIcmp(icmp, out, l4), 24);
    assert.equal(out, frame);
  }
  const request = ok<Ipv4Repr>(parseIpv4(ICMP_ECHO_REQUEST, 14));
  assert.is(request.dontFragment, true);
  assert.is(request.identification, 0x5233);
  assert.is(request.ttl, 64);
});

test('UDP DNS query: deconstruct and construct', () => {
  const { out, ip, l4 } = rebuildHeaders(UDP_DNS_QUERY);
  assert.is(ip.protocol, IpProtocol.UDP);
  assert.is(ip.src, HOST_IP);
  assert.is(ip.dst, PEER_IP);
  const udp = ok<UdpRepr>(parseUdp(UDP_DNS_QUERY, l4, l4 + ip.payloadLength, ip.src, ip.dst));
  assert.is(udp.srcPort, 36090);
  assert.is(udp.dstPort, 53);
  assert.is(udp.payload.length, 29);
  assert.is(udp.payload[12], 7); // length of the label "example"
  assert.is(emitUdp(udp, out, l4, ip.src, ip.dst), 37);
  assert.equal(out, UDP_DNS_QUERY);
});

test('ICMP port unreachable: the embedded IP header and UDP header are reachable', () => {
  const { out, ip, l4 } = rebuildHeaders(ICMP_PORT_UNREACHABLE);
  assert.is(ip.dscp, 0x30); // TOS 0xc0: network control
  const icmp = ok<IcmpRepr>(parseIcmp(ICMP_PORT_UNREACHABLE, l4, 14 + 20 + ip.payloadLength));
  if (icmp.kind !== 'destination-unreachable') throw new Error(icmp.kind);
  assert.is(icmp.code, 3);
  const inner = ok<Ipv4Repr>(parseIpv4(icmp.invoking, 0));
  assert.is(inner.src, HOST_IP);
  assert.is(inner.protocol, IpProtocol.UDP);
  const innerUdp = ok<UdpRepr>(parseUdp(icmp.invoking, 20, icmp.invoking.length, inner.src, inner.dst));
  assert.is(innerUdp.srcPort, 36090);
  assert.is(emitIcmp(icmp, out, l4), 8 + 57);
  assert.equal(out, ICMP_PORT_UNREACHABLE);
  assert.is(IcmpType.DestinationUnreachable, ICMP_PORT_UNREACHABLE[l4]);
});

test('TCP SYN with MSS, SACK-permitted, timestamps and window scale: deconstruct and construct', () => {
  const { out, ip, l4 } = rebuildHeaders(TCP_SYN);
  const end = l4 + ip.payloadLength;
  const tcp = ok<TcpRepr>(parseTcp(TCP_SYN, l4, end, ip.src, ip.dst));
  assert.is(tcp.srcPort, 58204);
  assert.is(tcp.dstPort, 8080);
  assert.is(tcp.seq, 4099293033);
  assert.is(tcp.flags, TcpFlag.SYN);
  assert.is(tcp.window, 64240);
  assert.is(tcp.mss, 1460);
  assert.is(tcp.sackPermitted, true);
  assert.equal(tcp.timestamp, [2750782962, 0]);
  assert.is(tcp.windowScale, 10);
  assert.is(emitTcp(tcp, out, l4, ip.src, ip.dst), 40);
  assert.equal(out, TCP_SYN);
});

test('MSS clamping rewrites the option in place with a correct incremental checksum', () => {
  const frame = TCP_SYN.slice();
  const ip = ok<Ipv4Repr>(parseIpv4(frame, 14));
  assert.is(tcpClampMss(frame, 34, 1452), true);
  assert.is(tcpMss(frame, 34), 1452);
  assert.ok(verifyTcpChecksum(frame, 34, ip.payloadLength, ip.src, ip.dst));
  assert.is(tcpClampMss(frame, 34, 1460), false, 'already below the clamp');
});

test('802.1Q: a tagged frame gives the inner EtherType, the tag fields and offset 18', () => {
  const tagged = withVlanTag(UDP_DNS_QUERY, 100, 5);
  const eth = ok<EthernetRepr>(parseEthernet(tagged));
  assert.is(eth.etherType, EtherType.IPv4);
  assert.equal(eth.vlan, { pcp: 5, dei: false, vid: 100 });
  const out = new Uint8Array(tagged.length);
  assert.is(emitEthernet(eth, out), 18);
  out.set(tagged.subarray(18), 18);
  assert.equal(out, tagged);
  const ip = ok<Ipv4Repr>(parseIpv4(tagged, 18));
  assert.is(ip.dst, PEER_IP);
});

test.run();
