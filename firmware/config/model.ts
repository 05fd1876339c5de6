// The configuration as a value: schema keys that differ from their defaults plus the DHCP phone
// classes (firmware/dhcp/config.ts). Immutable: a rejected change leaves nothing behind.
import { CONFIG_KEYS, keyDef, type LogLevel } from './schema';
import { parsePortRanges, type ConfigValue } from './valueTypes';
import type { DhcpConfig, PhoneClass } from '../dhcp/config';
import { DEFAULT_DHCP_CONFIG, PHONE_CLASSES } from '../dhcp/defaults';
import { ipToString } from '../util/ipv4';
import { DEFAULT_NAPPT_CONFIG, type InboundFiltering, type NapptConfig } from '../nappt/config';

export type { PhoneClass } from '../dhcp/config';

export interface RouterConfig {
  /** Only keys whose value differs from the schema default (and optional keys that are set). */
  readonly values: Readonly<Record<string, ConfigValue>>;
  /** In match order (the first class that admits a client wins). */
  readonly phoneClasses: readonly PhoneClass[];
}

export const DEFAULT_CONFIG: RouterConfig = { values: {}, phoneClasses: PHONE_CLASSES };

/** A class created on the console: admits nothing until given a vendor-class or mac. */
export function newPhoneClass(name: string): PhoneClass {
  return { name, confidence: 'high', note: 'defined on the console', macs: [], vendorClasses: [], psidLength: 10, bootFile: '', sendPortParams: 'requested', options: [], vars: {} };
}

export function getValue(config: RouterConfig, key: string): ConfigValue | undefined {
  const def = keyDef(key);
  if (!def) throw new Error(`unknown config key ${key}`); // programmer error: keys come from the schema
  return Object.prototype.hasOwnProperty.call(config.values, key) ? config.values[key] : def.defaultValue;
}

/** A copy with `key` set (undefined = back to its default). Values equal to the default are not stored. */
export function withValue(config: RouterConfig, key: string, value: ConfigValue | undefined): RouterConfig {
  const def = keyDef(key);
  if (!def) throw new Error(`unknown config key ${key}`);
  const values: Record<string, ConfigValue> = { ...config.values };
  if (value === undefined || value === def.defaultValue) delete values[key];
  else values[key] = value;
  return { values, phoneClasses: config.phoneClasses };
}

/** Replace the class of the same name in place, or append a new one. */
export function withPhoneClass(config: RouterConfig, phoneClass: PhoneClass): RouterConfig {
  const index = config.phoneClasses.findIndex((c) => c.name === phoneClass.name);
  const phoneClasses = index < 0 ? [...config.phoneClasses, phoneClass] : config.phoneClasses.map((c, i) => (i === index ? phoneClass : c));
  return { values: config.values, phoneClasses };
}

export function withoutPhoneClass(config: RouterConfig, name: string): RouterConfig {
  return { values: config.values, phoneClasses: config.phoneClasses.filter((c) => c.name !== name) };
}

export function withPhoneClasses(config: RouterConfig, phoneClasses: readonly PhoneClass[]): RouterConfig {
  return { values: config.values, phoneClasses };
}

export function phoneClassNamed(config: RouterConfig, name: string): PhoneClass | undefined {
  return config.phoneClasses.find((c) => c.name === name);
}

/** What defines a class's behaviour (notes and confidence are documentation, not configuration). */
export function phoneClassKey(c: PhoneClass): string {
  return JSON.stringify([c.name, c.macs, c.vendorClasses, c.psidLength, c.bootFile, c.template ?? null, c.sendPortParams, c.portRangeSubOptions ?? null, c.options, Object.keys(c.vars).sort().map((k) => [k, c.vars[k]])]);
}

export function phoneClassesEqual(a: readonly PhoneClass[], b: readonly PhoneClass[]): boolean {
  return a.length === b.length && a.every((c, i) => phoneClassKey(c) === phoneClassKey(b[i]));
}

/** Keys whose effective values differ between two configurations (phone classes count as 'phone-class'). */
export function changedKeys(before: RouterConfig, after: RouterConfig): string[] {
  const changed = CONFIG_KEYS.filter((def) => getValue(before, def.key) !== getValue(after, def.key)).map((def) => def.key);
  if (!phoneClassesEqual(before.phoneClasses, after.phoneClasses)) changed.push('phone-class');
  return changed;
}

export function configEquals(a: RouterConfig, b: RouterConfig): boolean {
  return changedKeys(a, b).length === 0;
}

/** The typed view services read (numbers are u32 addresses, seconds, bytes). */
export interface RouterSettings {
  readonly hostname: string;
  readonly lan: { readonly address: number; readonly prefixLength: number; readonly mtu: number };
  readonly dhcp: DhcpConfig;
  readonly wan:
    | { readonly mode: 'dhcp'; readonly mtu: number }
    | { readonly mode: 'static'; readonly address: number; readonly prefixLength: number; readonly gateway: number; readonly mtu: number };
  readonly tftp: { readonly maxSessions: number; readonly maxBlockSize: number; readonly maxWindow: number; readonly uploadMaxBytes: number };
  readonly nat: NapptConfig;
  readonly console: { readonly pageLength: number; readonly passwordHash: string | undefined };
  readonly logLevel: LogLevel;
}

const list = (text: string): string[] => (text === '' ? [] : text.split(','));

/** The DHCP server's configuration composed from the schema keys and the phone classes. */
export function dhcpConfigOf(config: RouterConfig): DhcpConfig {
  const v = (key: string) => getValue(config, key);
  return {
    ...DEFAULT_DHCP_CONFIG,
    enabled: v('dhcp.enabled') as boolean,
    pool: { first: ipToString(v('dhcp.pool-start') as number), last: ipToString(v('dhcp.pool-end') as number) },
    guestPool: { first: ipToString(v('dhcp.guest-pool-start') as number), last: ipToString(v('dhcp.guest-pool-end') as number) },
    leaseTime: v('dhcp.lease-time') as number,
    guestLeaseTime: v('dhcp.guest-lease-time') as number,
    unknownClients: v('dhcp.unknown-clients') as 'guest' | 'ignore',
    dns: list(v('dhcp.dns') as string),
    ntp: list(v('dhcp.ntp') as string),
    reservedPorts: parsePortRanges(v('dhcp.reserved-ports') as string),
    blockQuarantine: v('dhcp.block-quarantine') as number,
    rogueServerPolicy: v('dhcp.rogue-policy') as 'warn' | 'stop',
    probeNewAddresses: v('dhcp.probe') as boolean,
    classes: config.phoneClasses,
  };
}

/** The NAPPT forwarder's configuration composed from the schema keys. */
export function napptConfigOf(config: RouterConfig): NapptConfig {
  const v = (key: string) => getValue(config, key);
  const [first, last] = (v('nat.pool') as string).split('-').map(Number);
  return {
    ...DEFAULT_NAPPT_CONFIG,
    fallbackNapt: v('nat.fallback-napt') as boolean,
    phoneOutsideBlock: v('nat.phone-outside-block') as 'napt' | 'drop',
    unleasedHosts: v('nat.unleased-hosts') as 'napt' | 'drop',
    hairpin: v('nat.hairpin') as boolean,
    pool: { first, last },
    udpTimeout: v('nat.udp-timeout') as number,
    tcpEstablishedTimeout: v('nat.tcp-timeout') as number,
    filtering: v('nat.filtering') as InboundFiltering,
    maxMappingsPerHost: v('nat.max-mappings-per-host') as number,
    clampMss: v('nat.clamp-mss') as boolean,
    wanMtu: v('wan.mtu') as number,
  };
}

/** Typed settings of a configuration that passed validateConfig (static WAN fields are then present). */
export function settingsOf(config: RouterConfig): RouterSettings {
  const v = (key: string) => getValue(config, key);
  const wanMtu = v('wan.mtu') as number;
  return {
    hostname: v('hostname') as string,
    lan: { address: v('lan.address') as number, prefixLength: v('lan.prefix') as number, mtu: v('lan.mtu') as number },
    dhcp: dhcpConfigOf(config),
    wan:
      v('wan.mode') === 'static'
        ? { mode: 'static', address: v('wan.address') as number, prefixLength: v('wan.prefix') as number, gateway: v('wan.gateway') as number, mtu: wanMtu }
        : { mode: 'dhcp', mtu: wanMtu },
    tftp: {
      maxSessions: v('tftp.max-sessions') as number,
      maxBlockSize: v('tftp.max-block-size') as number,
      maxWindow: v('tftp.max-window') as number,
      uploadMaxBytes: (v('tftp.upload-max-kib') as number) * 1024,
    },
    nat: napptConfigOf(config),
    console: { pageLength: v('console.page-length') as number, passwordHash: v('console.password-hash') as string | undefined },
    logLevel: v('log.level') as LogLevel,
  };
}
