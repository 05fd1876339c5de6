// firmware/router: router mode, where the kernel owns the addresses and forwards, and the firmware
// serves DHCP/TFTP on kernel sockets and programs the kernel's NAT.
export { KernelStack } from './kernel-stack';
export { KernelWan } from './kernel-wan';
export { NatProgrammer } from './nat-programmer';
export type { NatProgrammerOptions } from './nat-programmer';
export { buildNatTable, sameNatTable } from './nat-table';
export type { NatInputs } from './nat-table';
export { attachRouterNat, isRouterNat } from './attach';
export type { RouterNatAttachment } from './attach';
