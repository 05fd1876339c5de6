// IPv4 addresses are unsigned 32-bit numbers everywhere in the firmware (host order, `>>> 0`).

export function ipToString(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}

/** Parse dotted-quad text; undefined when it is not exactly four decimal octets. */
export function parseIp(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let ip = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    ip = ip * 256 + octet;
  }
  return ip >>> 0;
}

export function prefixMask(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

/** `192.168.1.0/24` for any address inside it. */
export function subnetToString(ip: number, prefixLength: number): string {
  return `${ipToString((ip & prefixMask(prefixLength)) >>> 0)}/${prefixLength}`;
}

export function sameSubnet(a: number, b: number, prefixLength: number): boolean {
  const mask = prefixMask(prefixLength);
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

export function readIp(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
}

export function writeIp(bytes: Uint8Array, offset: number, ip: number): void {
  bytes[offset] = ip >>> 24;
  bytes[offset + 1] = (ip >>> 16) & 0xff;
  bytes[offset + 2] = (ip >>> 8) & 0xff;
  bytes[offset + 3] = ip & 0xff;
}

export const BROADCAST_IP = 0xffffffff;
