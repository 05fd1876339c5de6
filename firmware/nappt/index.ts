// NAPPT: the port-preserving forwarder for phones, ordinary NAPT for everything else, its config.
export * from './config';
export { NapptForwarder, type ForwarderOptions, type WanLink, type ReverseAnswer } from './forwarder';
export { Drop, Event, DROP_NAMES, EVENT_NAMES } from './drops';
export type { BlockReport } from './phoneTable';
export type { MappingReport } from './naptTable';
export { attachForwarder, ipv4Offset } from './attach';
export { attachNappt, type NapptAttachment } from './boot';
