// Why the forwarder dropped a frame, and what else it counts. Counters live in one preallocated
// Float64Array indexed by these numbers, so counting never allocates.

export const Drop = {
  TRUNCATED: 0,
  NOT_IPV4: 1,
  BAD_IP_HEADER: 2,
  BAD_IP_CHECKSUM: 3,
  NO_WAN_ADDRESS: 4,
  LAN_SOURCE_INVALID: 5,
  LAN_SOURCE_SPOOFED: 6,
  LAN_DESTINATION_INVALID: 7,
  UNLEASED_HOST: 8,
  PHONE_PORT_OUTSIDE_BLOCK: 9,
  NAPT_DISABLED: 10,
  NAPT_POOL_EXHAUSTED: 11,
  NAPT_HOST_LIMIT: 12,
  NAPT_TABLE_FULL: 13,
  TTL_EXCEEDED: 14,
  FRAGMENTATION_NEEDED: 15,
  WAN_NOT_OUR_ADDRESS: 16,
  WAN_SOURCE_BOGON: 17,
  WAN_NO_MAPPING: 18,
  WAN_FILTERED: 19,
  FRAGMENT_NO_FIRST: 20,
  FRAGMENT_HOLD_TIMEOUT: 21,
  FRAGMENT_HOLD_FULL: 22,
  ICMP_BAD_CHECKSUM: 23,
  ICMP_UNSUPPORTED: 24,
  ICMP_ERROR_NO_MAPPING: 25,
  ICMP_ERROR_MALFORMED: 26,
  PROTOCOL_UNSUPPORTED: 27,
  HAIRPIN_DISABLED: 28,
  HAIRPIN_NO_TARGET: 29,
  TX_FAILED: 30,
  FRAGMENT_TOO_SMALL: 31,
  NOT_OUR_MAC: 32,
} as const;
export type Drop = (typeof Drop)[keyof typeof Drop];

export const DROP_NAMES: readonly string[] = [
  'truncated',
  'not-ipv4',
  'bad-ip-header',
  'bad-ip-checksum',
  'no-wan-address',
  'lan-source-invalid',
  'lan-source-spoofed',
  'lan-destination-invalid',
  'unleased-host',
  'phone-port-outside-block',
  'napt-disabled',
  'napt-pool-exhausted',
  'napt-host-limit',
  'napt-table-full',
  'ttl-exceeded',
  'fragmentation-needed',
  'wan-not-our-address',
  'wan-source-bogon',
  'wan-no-mapping',
  'wan-filtered',
  'fragment-no-first',
  'fragment-hold-timeout',
  'fragment-hold-full',
  'icmp-bad-checksum',
  'icmp-unsupported',
  'icmp-error-no-mapping',
  'icmp-error-malformed',
  'protocol-unsupported',
  'hairpin-disabled',
  'hairpin-no-target',
  'tx-failed',
  'fragment-too-small',
  'not-our-mac',
];

/** Things that happened and were not drops. */
export const Event = {
  FRAMES_LAN: 0,
  FRAMES_WAN: 1,
  OUT_PHONE: 2,
  OUT_NAPT: 3,
  IN_PHONE: 4,
  IN_NAPT: 5,
  HAIRPIN: 6,
  FRAGMENTS_OUT: 7,
  FRAGMENTS_IN: 8,
  FRAGMENT_HELD: 9,
  FRAGMENT_RELEASED: 10,
  FRAGMENTED_FOR_MTU: 11,
  ICMP_ERRORS_TRANSLATED: 12,
  ICMP_SENT: 13,
  ICMP_RATE_LIMITED: 14,
  MSS_CLAMPED: 15,
  MAPPINGS_CREATED: 16,
  MAPPINGS_EXPIRED: 17,
  MAPPINGS_FLUSHED: 18,
  PORT_TABLE_CONFLICTS: 19,
  WAN_LAN_CONFLICTS: 20,
} as const;
export type Event = (typeof Event)[keyof typeof Event];

export const EVENT_NAMES: readonly string[] = [
  'frames-lan',
  'frames-wan',
  'out-phone',
  'out-napt',
  'in-phone',
  'in-napt',
  'hairpin',
  'fragments-out',
  'fragments-in',
  'fragment-held',
  'fragment-released',
  'fragmented-for-mtu',
  'icmp-errors-translated',
  'icmp-sent',
  'icmp-rate-limited',
  'mss-clamped',
  'mappings-created',
  'mappings-expired',
  'mappings-flushed',
  'port-table-conflicts',
  'wan-lan-conflicts',
];

export class Counters {
  readonly drops = new Float64Array(DROP_NAMES.length);
  readonly events = new Float64Array(EVENT_NAMES.length);

  dropsByName(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < DROP_NAMES.length; i++) out[DROP_NAMES[i]] = this.drops[i];
    return out;
  }

  eventsByName(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < EVENT_NAMES.length; i++) out[EVENT_NAMES[i]] = this.events[i];
    return out;
  }

  totalDrops(): number {
    let sum = 0;
    for (let i = 0; i < this.drops.length; i++) sum += this.drops[i];
    return sum;
  }

  clear(): void {
    this.drops.fill(0);
    this.events.fill(0);
  }
}
