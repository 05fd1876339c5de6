// Hand-built frames for the runtime's fixtures and rig tests: an ARP request, an ICMP echo request,
// and readers that recognise the router's answers. Independent of firmware/wire on purpose, so a
// bug there cannot hide in the test that checks it.

export function macBytes(text: string): Uint8Array {
  const parts = text.split(':').map((part) => parseInt(part, 16));
  if (parts.length !== 6 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`bad MAC ${text}`);
  return Uint8Array.from(parts);
}

export function ipBytes(text: string): Uint8Array {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(Number.isInteger(p) && p >= 0 && p <= 255))) throw new Error(`bad IP ${text}`);
  return Uint8Array.from(parts);
}

function checksum(bytes: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i += 2) sum += (bytes[i] << 8) | (i + 1 < end ? bytes[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function arpRequest(senderMac: string, senderIp: string, targetIp: string): Uint8Array {
  const frame = new Uint8Array(42);
  frame.fill(0xff, 0, 6);
  frame.set(macBytes(senderMac), 6);
  frame.set([0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01], 12);
  frame.set(macBytes(senderMac), 22);
  frame.set(ipBytes(senderIp), 28);
  frame.set(ipBytes(targetIp), 38);
  return frame;
}

export function icmpEchoRequest(srcMac: string, dstMac: string, srcIp: string, dstIp: string, ident: number, seq: number, dataLength = 32): Uint8Array {
  const frame = new Uint8Array(14 + 20 + 8 + dataLength);
  frame.set(macBytes(dstMac), 0);
  frame.set(macBytes(srcMac), 6);
  frame.set([0x08, 0x00], 12);
  const ip = 14;
  frame.set([0x45, 0, (20 + 8 + dataLength) >> 8, (20 + 8 + dataLength) & 0xff, 0x12, 0x34, 0x40, 0, 64, 1, 0, 0], ip);
  frame.set(ipBytes(srcIp), ip + 12);
  frame.set(ipBytes(dstIp), ip + 16);
  const ipSum = checksum(frame, ip, ip + 20);
  frame[ip + 10] = ipSum >> 8;
  frame[ip + 11] = ipSum & 0xff;
  const icmp = ip + 20;
  frame.set([8, 0, 0, 0, ident >> 8, ident & 0xff, seq >> 8, seq & 0xff], icmp);
  for (let i = 0; i < dataLength; i++) frame[icmp + 8 + i] = (i * 7) & 0xff;
  const icmpSum = checksum(frame, icmp, frame.length);
  frame[icmp + 2] = icmpSum >> 8;
  frame[icmp + 3] = icmpSum & 0xff;
  return frame;
}

function macText(bytes: Uint8Array, at: number): string {
  return Array.from(bytes.subarray(at, at + 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}

function ipText(bytes: Uint8Array, at: number): string {
  return Array.from(bytes.subarray(at, at + 4)).join('.');
}

export interface ArpReply {
  readonly senderMac: string;
  readonly senderIp: string;
  readonly targetMac: string;
  readonly targetIp: string;
}

export function parseArpReply(frame: Uint8Array): ArpReply | undefined {
  if (frame.length < 42 || frame[12] !== 0x08 || frame[13] !== 0x06 || frame[20] !== 0 || frame[21] !== 2) return undefined;
  return { senderMac: macText(frame, 22), senderIp: ipText(frame, 28), targetMac: macText(frame, 32), targetIp: ipText(frame, 38) };
}

export interface EchoReply {
  readonly srcIp: string;
  readonly dstIp: string;
  readonly dstMac: string;
  readonly ident: number;
  readonly seq: number;
  /** Both the IPv4 header and the ICMP checksums verify. */
  readonly checksumsOk: boolean;
}

export function parseEchoReply(frame: Uint8Array): EchoReply | undefined {
  if (frame.length < 42 || frame[12] !== 0x08 || frame[13] !== 0x00 || frame[14] >> 4 !== 4) return undefined;
  const ihl = (frame[14] & 0x0f) * 4;
  const total = (frame[16] << 8) | frame[17];
  const icmp = 14 + ihl;
  if (frame[23] !== 1 || frame.length < 14 + total || frame[icmp] !== 0) return undefined;
  const checksumsOk = checksum(frame, 14, icmp) === 0 && checksum(frame, icmp, 14 + total) === 0;
  return {
    srcIp: ipText(frame, 26),
    dstIp: ipText(frame, 30),
    dstMac: macText(frame, 0),
    ident: (frame[icmp + 4] << 8) | frame[icmp + 5],
    seq: (frame[icmp + 6] << 8) | frame[icmp + 7],
    checksumsOk,
  };
}
