// The namespace rig for real-client tests: topology (router, switch, phones, WAN host), namespace
// helpers, the router's console, pcap files and hand-built frames.
export { Rig, downFromState, RUNTIME_BINARY, INJECTOR_BINARY, BUNDLE, HOST_BOARD } from './topology';
export type { RigOptions, Phone, RigState } from './topology';
export { cleanStale, namespacesUnavailable, run, runAsync, must, listNamespaces, deleteNamespace, STATE_ROOT } from './netns';
export type { ExecResult } from './netns';
export { ConsoleClient } from './console';
export { readPcap, writePcap } from './pcap';
export type { PcapRecord, PcapError } from './pcap';
export { arpRequest, icmpEchoRequest, parseArpReply, parseEchoReply, macBytes, ipBytes } from './frames';
export type { ArpReply, EchoReply } from './frames';
export { udhcpcLease } from './udhcpc';
export type { UdhcpcLease } from './udhcpc';
export { seededImage, sha256, sha256Of } from './image';
export { wanUp } from './wan';
