// Frame builders for the stack tests, written with the wire module's emitters.
import { emitArp, emitIcmp, emitIpv4, emitUdp, writeEthernetHeader, EtherType, IpProtocol } from '../../firmware/wire';

export const BROADCAST = Uint8Array.from([255, 255, 255, 255, 255, 255]);
export const ZERO = new Uint8Array(6);

export function arpFrame(operation: 1 | 2, dst: Uint8Array, senderMac: Uint8Array, senderIp: number, targetMac: Uint8Array, targetIp: number): Uint8Array {
  const frame = new Uint8Array(42);
  writeEthernetHeader(frame, dst, senderMac, EtherType.ARP);
  emitArp({ operation, senderMac, senderIp, targetMac, targetIp }, frame, 14);
  return frame;
}

function ipFrame(dstMac: Uint8Array, srcMac: Uint8Array, src: number, dst: number, protocol: number, l4Length: number): Uint8Array {
  const frame = new Uint8Array(34 + l4Length);
  writeEthernetHeader(frame, dstMac, srcMac, EtherType.IPv4);
  emitIpv4(
    { dscp: 0, ecn: 0, identification: 1, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol, src, dst, options: new Uint8Array(0), payloadLength: l4Length },
    frame,
    14,
  );
  return frame;
}

export function echoFrame(dstMac: Uint8Array, srcMac: Uint8Array, src: number, dst: number, ident: number, seq: number, data: Uint8Array = new Uint8Array(16), reply = false): Uint8Array {
  const frame = ipFrame(dstMac, srcMac, src, dst, IpProtocol.ICMP, 8 + data.length);
  emitIcmp({ kind: reply ? 'echo-reply' : 'echo-request', ident, seq, data }, frame, 34);
  return frame;
}

export function udpFrame(dstMac: Uint8Array, srcMac: Uint8Array, src: number, srcPort: number, dst: number, dstPort: number, payload: Uint8Array): Uint8Array {
  const frame = ipFrame(dstMac, srcMac, src, dst, IpProtocol.UDP, 8 + payload.length);
  emitUdp({ srcPort, dstPort, payload }, frame, 34, src, dst);
  return frame;
}
