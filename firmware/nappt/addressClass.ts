// Which IPv4 sources the WAN side must never accept (RFC 1918 private, loopback, this-network,
// link-local, multicast, reserved, limited broadcast), as one small table of prefixes.

// Network and prefix length, flat in a typed array so the per-packet check allocates nothing.
export const BOGON_PREFIXES = new Uint32Array([
  0x00000000, 8, // 0.0.0.0/8 this network
  0x0a000000, 8, // 10/8
  0x7f000000, 8, // 127/8 loopback
  0xa9fe0000, 16, // 169.254/16 link-local
  0xac100000, 12, // 172.16/12
  0xc0a80000, 16, // 192.168/16
  0xe0000000, 4, // 224/4 multicast
  0xf0000000, 4, // 240/4 reserved and 255.255.255.255
]);

export function isBogon(ip: number): boolean {
  for (let i = 0; i < BOGON_PREFIXES.length; i += 2) {
    const shift = 32 - BOGON_PREFIXES[i + 1];
    if (ip >>> shift === BOGON_PREFIXES[i] >>> shift) return true;
  }
  return false;
}

/** Multicast, limited broadcast, 0/8 or loopback: never a unicast host we may forward to. */
export function isNonUnicast(ip: number): boolean {
  const top = ip >>> 24;
  return top === 0 || top === 127 || top >= 224;
}
