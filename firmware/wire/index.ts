// firmware/wire: zero-copy views and builders for the frames the router handles (smoltcp's wire
// module in TypeScript): Ethernet (+802.1Q), ARP, IPv4, UDP, TCP, ICMP, and the Internet checksum.
export * from './checksum';
export * from './errors';
export * from './ethernet';
export * from './arp';
export * from './ipv4';
export * from './udp';
export * from './tcp';
export * from './icmp';
