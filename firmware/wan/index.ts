// The WAN side: static addressing or the WAN DHCP client, published to NAPPT, console and TFTP.
export * from './types';
export { Wan, validateWanConfig, type WanOptions } from './wan';
export { DhcpClient, prefixFromMask, type DhcpClientOptions, type DhcpClientPhase, type WanLease } from './dhcpClient';
