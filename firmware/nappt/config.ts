// The typed configuration of the NAPPT forwarder (phones' port-preserving path and the ordinary
// NAPT for everything else), with defaults and validation. The config engineer composes it.

export type InboundFiltering = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

export interface PortSpan {
  readonly first: number;
  /** Inclusive. */
  readonly last: number;
}

export interface NapptConfig {
  /** Ordinary NAPT for guests and for phone ports outside their block. False drops all of those. */
  readonly fallbackNapt: boolean;
  /** A phone's packets from a port outside its own block: translate them ('napt') or drop them. */
  readonly phoneOutsideBlock: 'napt' | 'drop';
  /** LAN hosts in the LAN subnet that hold no lease (static addresses): NAPT them or drop them. */
  readonly unleasedHosts: 'napt' | 'drop';
  /** Let LAN hosts reach phones and NAPT mappings through the public address (RFC 4787 REQ-9). */
  readonly hairpin: boolean;
  /**
   * Public ports ordinary NAPT may hand out. Must lie inside the DHCP server's `reservedPorts`
   * (never in a phone block). 1024..4095 stay free for the router's own sockets on WAN.
   */
  readonly pool: PortSpan;
  /** Preallocated NAPT mapping slots (all protocols together). */
  readonly maxMappings: number;
  /** RFC 6888 REQ-4: one LAN host cannot hold more mappings than this. */
  readonly maxMappingsPerHost: number;
  /** Idle timeouts in seconds: RFC 4787 REQ-5 (UDP >= 120), RFC 5382 REQ-5 (TCP), RFC 5508 REQ-2. */
  readonly udpTimeout: number;
  readonly tcpEstablishedTimeout: number;
  readonly tcpTransitoryTimeout: number;
  readonly icmpTimeout: number;
  /** Inbound filtering of NAPT mappings (phones' blocks are always endpoint-independent). */
  readonly filtering: InboundFiltering;
  /** IP MTU towards the WAN (e.g. 1492 on PPPoE): larger DF packets get fragmentation-needed. */
  readonly wanMtu: number;
  /** Clamp the MSS option of TCP SYNs to wanMtu - 40. */
  readonly clampMss: boolean;
  /** Token bucket for ICMP errors the router itself sends (time-exceeded, fragmentation-needed). */
  readonly icmpErrorsPerSecond: number;
  readonly icmpErrorBurst: number;
  /** Remembered first fragments (source, id, protocol) -> inside host, and how long (ms). */
  readonly fragmentMemory: number;
  readonly fragmentTimeoutMs: number;
  /** Early non-first fragments held until their first fragment arrives: slots and ms. */
  readonly fragmentHoldSlots: number;
  readonly fragmentHoldMs: number;
  /**
   * Drop WAN packets whose source is private/loopback/multicast/reserved or our own. Sources inside
   * the WAN subnet itself (an upstream router, double NAT) are always accepted.
   */
  readonly dropBogonWanSources: boolean;
  /** Phone slots (leases with a port block) the port table can hold. */
  readonly maxPhones: number;
}

export const DEFAULT_NAPPT_CONFIG: NapptConfig = {
  fallbackNapt: true,
  phoneOutsideBlock: 'napt',
  unleasedHosts: 'napt',
  hairpin: true,
  pool: { first: 4096, last: 16383 },
  maxMappings: 4096,
  maxMappingsPerHost: 256,
  udpTimeout: 300,
  tcpEstablishedTimeout: 7440,
  tcpTransitoryTimeout: 240,
  icmpTimeout: 60,
  filtering: 'address-and-port-dependent',
  wanMtu: 1500,
  clampMss: true,
  icmpErrorsPerSecond: 10,
  icmpErrorBurst: 20,
  fragmentMemory: 64,
  fragmentTimeoutMs: 5000,
  fragmentHoldSlots: 8,
  fragmentHoldMs: 2000,
  dropBogonWanSources: true,
  maxPhones: 1024,
};

const FILTERINGS: readonly InboundFiltering[] = ['endpoint-independent', 'address-dependent', 'address-and-port-dependent'];

/** Every problem with `config`, as one message each; empty when it is usable. */
export function validateNapptConfig(config: NapptConfig): string[] {
  const errors: string[] = [];
  const intIn = (value: number, min: number, max: number, name: string): void => {
    if (!Number.isInteger(value) || value < min || value > max) errors.push(`${name} must be an integer in ${min}..${max}`);
  };
  intIn(config.pool.first, 1024, 65535, 'pool.first');
  intIn(config.pool.last, 1024, 65535, 'pool.last');
  if (config.pool.first > config.pool.last) errors.push('pool.first must not exceed pool.last');
  intIn(config.maxMappings, 1, 65536, 'maxMappings');
  intIn(config.maxMappingsPerHost, 1, 65536, 'maxMappingsPerHost');
  intIn(config.udpTimeout, 120, 86400, 'udpTimeout (RFC 4787 REQ-5: at least 120 s)');
  intIn(config.tcpEstablishedTimeout, 7440, 604800, 'tcpEstablishedTimeout (RFC 5382 REQ-5: at least 7440 s)');
  intIn(config.tcpTransitoryTimeout, 240, 86400, 'tcpTransitoryTimeout (RFC 5382 REQ-5: at least 240 s)');
  intIn(config.icmpTimeout, 60, 86400, 'icmpTimeout (RFC 5508 REQ-2: at least 60 s)');
  if (!FILTERINGS.includes(config.filtering)) errors.push(`filtering must be one of ${FILTERINGS.join(', ')}`);
  intIn(config.wanMtu, 576, 1500, 'wanMtu');
  intIn(config.icmpErrorsPerSecond, 0, 10000, 'icmpErrorsPerSecond');
  intIn(config.icmpErrorBurst, 0, 10000, 'icmpErrorBurst');
  intIn(config.fragmentMemory, 1, 4096, 'fragmentMemory');
  intIn(config.fragmentTimeoutMs, 100, 120000, 'fragmentTimeoutMs');
  intIn(config.fragmentHoldSlots, 0, 256, 'fragmentHoldSlots');
  intIn(config.fragmentHoldMs, 0, 60000, 'fragmentHoldMs');
  intIn(config.maxPhones, 1, 32767, 'maxPhones');
  if (config.phoneOutsideBlock !== 'napt' && config.phoneOutsideBlock !== 'drop') errors.push("phoneOutsideBlock must be 'napt' or 'drop'");
  if (config.unleasedHosts !== 'napt' && config.unleasedHosts !== 'drop') errors.push("unleasedHosts must be 'napt' or 'drop'");
  return errors;
}
