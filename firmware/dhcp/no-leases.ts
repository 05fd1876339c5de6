// The lease table of a router whose DHCP server is not running: services that read leases
// (NAPPT, TFTP, router mode's NAT) then see no phones.
import type { LeaseDirectory } from './types';

export const NO_LEASES: LeaseDirectory = {
  byIp: () => undefined,
  byPublicPort: () => undefined,
  all: () => [],
  subscribe: () => () => undefined,
};
