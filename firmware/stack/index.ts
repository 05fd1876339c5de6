// firmware/stack: the router's own IPv4 stack (ARP, IPv4, ICMP echo, UDP) and the forwarding hand-off.
export type { Datagram, DatagramHandler, ForwardHook, InterfaceAddress, Stack, UdpEndpoint } from './types';
export type { Service } from './service';
export { createStack } from './stack';
export type { RouterStack, StackOptions } from './stack';
export { ArpCache } from './arp-cache';
export { ArpPending } from './arp-pending';
export { TokenBucket } from '../util/token-bucket';
export { Counters } from './counters';
export { EPHEMERAL_FIRST, EPHEMERAL_LAST } from './udp-ports';
