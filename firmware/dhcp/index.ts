// The DHCP server: configuration, admission, port blocks, leases and the RFC 2131 state machine.
export * from './types';
export * from './config';
export * from './defaults';
export { admit, compileClasses, type Admission, type ClientIdentity, type CompiledClass } from './admission';
export { PortBlockAllocator, portBlock, type Holding, type HoldingState } from './port-blocks';
export { DhcpServer, type DhcpInput, type DhcpOutput, type DhcpNetwork, type DhcpStatus, type Lease, type LeaseState, type ReplyTarget } from './server';
export { encodeShard, decodeShard, encodeMeta, decodeMeta, META_KEY, shardKey, type BindingRecord } from './lease-record';
