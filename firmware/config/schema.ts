// The one schema of the router's configuration: every key, its type, default, help and whether a
// change applies live. `set`/`unset`, `?` help, validation and `show running-config` derive from it.
import { boolType, dnsServersType, enumType, intType, ipListType, ipv4Type, portRangesType, portSpanType, wordType, type ConfigValue, type ValueType } from './valueTypes';
import { parseIp } from '../util/ipv4';
import { passwordHashType } from './password';

/** `live`: services pick the change up at once. `reload`: takes effect after `reload` (saved first). */
export type ApplyMode = 'live' | 'reload';

export interface KeyDef {
  readonly key: string;
  readonly type: ValueType;
  /** Undefined: the key is unset by default (optional setting). */
  readonly defaultValue: ConfigValue | undefined;
  readonly help: string;
  readonly apply: ApplyMode;
}

const ip = (text: string): number => parseIp(text) as number;

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Ordered as `show running-config` prints them. */
export const CONFIG_KEYS: readonly KeyDef[] = [
  { key: 'hostname', type: wordType(32, 'NAME'), defaultValue: 'plugboard', help: 'Router name shown in the prompt', apply: 'live' },
  { key: 'lan.address', type: ipv4Type, defaultValue: ip('192.168.1.1'), help: "Router's own address on the LAN port", apply: 'reload' },
  { key: 'lan.prefix', type: intType(8, 30), defaultValue: 24, help: 'LAN subnet prefix length', apply: 'reload' },
  { key: 'lan.mtu', type: intType(576, 1500, 'bytes'), defaultValue: 1500, help: 'IP MTU on the LAN port', apply: 'reload' },
  { key: 'dhcp.enabled', type: boolType, defaultValue: true, help: 'Run the DHCP server on the LAN', apply: 'reload' },
  { key: 'dhcp.pool-start', type: ipv4Type, defaultValue: ip('192.168.1.100'), help: 'First phone address (inside the LAN subnet)', apply: 'live' },
  { key: 'dhcp.pool-end', type: ipv4Type, defaultValue: ip('192.168.1.199'), help: 'Last phone address (inside the LAN subnet)', apply: 'live' },
  { key: 'dhcp.guest-pool-start', type: ipv4Type, defaultValue: ip('192.168.1.200'), help: 'First address for devices that are not phones', apply: 'live' },
  { key: 'dhcp.guest-pool-end', type: ipv4Type, defaultValue: ip('192.168.1.249'), help: 'Last address for devices that are not phones', apply: 'live' },
  { key: 'dhcp.lease-time', type: intType(60, 604800, 'seconds'), defaultValue: 3600, help: 'Phone lease duration', apply: 'live' },
  { key: 'dhcp.guest-lease-time', type: intType(60, 604800, 'seconds'), defaultValue: 3600, help: 'Guest lease duration', apply: 'live' },
  { key: 'dhcp.unknown-clients', type: enumType(['guest', 'ignore']), defaultValue: 'guest', help: 'Devices that match no phone class: guest address (no port block) or ignore', apply: 'live' },
  { key: 'dhcp.dns', type: dnsServersType, defaultValue: '', help: "DNS servers told to LAN clients (option 6); router = the router's LAN address, only where it answers DNS; none = no DNS server is sent", apply: 'live' },
  { key: 'dhcp.ntp', type: ipListType, defaultValue: '', help: 'NTP servers (option 42); none = not sent', apply: 'live' },
  { key: 'dhcp.reserved-ports', type: portRangesType, defaultValue: '1024-16383', help: 'Public ports never given to a phone block (the router and guest NAPT use them); 0-1023 always', apply: 'reload' },
  { key: 'dhcp.block-quarantine', type: intType(120, 86400, 'seconds'), defaultValue: 120, help: 'Time a port block stays unassigned after its lease ends (RFC 6888 REQ-8)', apply: 'reload' },
  { key: 'dhcp.probe', type: boolType, defaultValue: true, help: 'Before offering a never-used address, check that no host answers for it (ARP, echo request; off: offer at once)', apply: 'live' },
  { key: 'dhcp.rogue-policy', type: enumType(['warn', 'stop']), defaultValue: 'warn', help: 'When another DHCP server answers on the LAN: warn, or stop serving', apply: 'live' },
  { key: 'wan.mode', type: enumType(['dhcp', 'static']), defaultValue: 'dhcp', help: 'WAN addressing: dhcp client or static', apply: 'reload' },
  { key: 'wan.address', type: ipv4Type, defaultValue: undefined, help: 'Static WAN address (wan.mode static)', apply: 'reload' },
  { key: 'wan.prefix', type: intType(1, 32), defaultValue: 24, help: 'Static WAN prefix length', apply: 'reload' },
  { key: 'wan.gateway', type: ipv4Type, defaultValue: undefined, help: 'Static WAN default gateway (inside the WAN subnet)', apply: 'reload' },
  { key: 'wan.mtu', type: intType(576, 1500, 'bytes'), defaultValue: 1500, help: 'IP MTU on the WAN port', apply: 'reload' },
  { key: 'tftp.max-sessions', type: intType(1, 256), defaultValue: 128, help: 'Concurrent TFTP transfers (a boot storm: one per phone)', apply: 'reload' },
  { key: 'tftp.max-block-size', type: intType(512, 65464, 'bytes'), defaultValue: 1468, help: 'Largest blksize option granted (RFC 2348)', apply: 'reload' },
  { key: 'tftp.max-window', type: intType(1, 64, 'blocks'), defaultValue: 16, help: 'Largest windowsize option granted (RFC 7440)', apply: 'reload' },
  { key: 'tftp.upload-max-kib', type: intType(1, 1048576, 'KiB'), defaultValue: 65536, help: 'Largest image accepted by an upload window', apply: 'reload' },
  { key: 'nat.fallback-napt', type: boolType, defaultValue: true, help: 'Ordinary NAPT for guests and for phone ports outside their block; off drops them', apply: 'live' },
  { key: 'nat.phone-outside-block', type: enumType(['napt', 'drop']), defaultValue: 'napt', help: "A phone's packets from a port outside its own block: translate or drop", apply: 'live' },
  { key: 'nat.unleased-hosts', type: enumType(['napt', 'drop']), defaultValue: 'napt', help: 'LAN hosts with a static address (no lease): translate or drop', apply: 'live' },
  { key: 'nat.hairpin', type: boolType, defaultValue: true, help: 'Let LAN hosts reach phones and mappings through the public address (RFC 4787 REQ-9)', apply: 'live' },
  { key: 'nat.pool', type: portSpanType, defaultValue: '4096-16383', help: 'Public ports ordinary NAPT hands out (inside dhcp.reserved-ports)', apply: 'reload' },
  { key: 'nat.udp-timeout', type: intType(120, 86400, 'seconds'), defaultValue: 300, help: 'Idle timeout of NAPT UDP mappings (RFC 4787 REQ-5)', apply: 'live' },
  { key: 'nat.tcp-timeout', type: intType(7440, 604800, 'seconds'), defaultValue: 7440, help: 'Idle timeout of established NAPT TCP mappings (RFC 5382 REQ-5)', apply: 'live' },
  { key: 'nat.filtering', type: enumType(['endpoint-independent', 'address-dependent', 'address-and-port-dependent']), defaultValue: 'address-and-port-dependent', help: 'Inbound filtering of NAPT mappings (phone blocks are always endpoint-independent)', apply: 'live' },
  { key: 'nat.max-mappings-per-host', type: intType(1, 65536), defaultValue: 256, help: 'NAPT mappings one LAN host may hold (RFC 6888 REQ-4)', apply: 'live' },
  { key: 'nat.clamp-mss', type: boolType, defaultValue: true, help: 'Clamp the MSS of TCP SYNs to wan.mtu - 40', apply: 'live' },
  { key: 'console.page-length', type: intType(0, 500, 'lines'), defaultValue: 24, help: 'Lines per --More-- page; 0 never pauses', apply: 'live' },
  { key: 'console.password-hash', type: passwordHashType, defaultValue: undefined, help: 'Salted hash of the console password (set it with `set console.password`)', apply: 'live' },
  { key: 'log.level', type: enumType(LOG_LEVELS), defaultValue: 'info', help: 'Least severe log level kept', apply: 'live' },
];

const byKey = new Map(CONFIG_KEYS.map((def) => [def.key, def]));

export function keyDef(key: string): KeyDef | undefined {
  return byKey.get(key);
}
