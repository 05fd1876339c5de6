// The DHCP server: configuration, admission, port blocks, leases and the RFC 2131 state machine.
export * from './types';
export * from './config';
