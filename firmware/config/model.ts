// The configuration as a value: schema keys that differ from their defaults plus phone classes.
// Immutable: every change builds a new RouterConfig, so a rejected change leaves nothing behind.
import { CONFIG_KEYS, keyDef, type LogLevel } from './schema';
import type { ConfigValue } from './valueTypes';

/** A DHCP option a phone class adds to its offers: code and text as typed (rendered by DHCP). */
export interface PhoneClassOption {
  readonly code: number;
  readonly value: string;
}

/** Which devices are phones of one kind, and what they are told. */
export interface PhoneClassConfig {
  readonly name: string;
  /** Substrings matched against DHCP option 60 (vendor class identifier). */
  readonly vendorClasses: readonly string[];
  /** MAC prefixes ("00:04:f2" or "00:04:f2:1") admitted; empty = any MAC with a matching vendor class. */
  readonly macPrefixes: readonly string[];
  readonly bootFile: string | undefined;
  /** Name of the provisioning template item in the store, rendered per phone by TFTP. */
  readonly template: string | undefined;
  readonly options: readonly PhoneClassOption[];
  /** Template variables (sip_server, ntp, tz...). */
  readonly vars: Readonly<Record<string, string>>;
}

export interface RouterConfig {
  /** Only keys whose value differs from the schema default (and optional keys that are set). */
  readonly values: Readonly<Record<string, ConfigValue>>;
  readonly phoneClasses: readonly PhoneClassConfig[];
}

export const DEFAULT_CONFIG: RouterConfig = { values: {}, phoneClasses: [] };

export function emptyPhoneClass(name: string): PhoneClassConfig {
  return { name, vendorClasses: [], macPrefixes: [], bootFile: undefined, template: undefined, options: [], vars: {} };
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

export function withPhoneClass(config: RouterConfig, phoneClass: PhoneClassConfig): RouterConfig {
  const others = config.phoneClasses.filter((c) => c.name !== phoneClass.name);
  const index = config.phoneClasses.findIndex((c) => c.name === phoneClass.name);
  const phoneClasses = index < 0 ? [...others, phoneClass] : [...others.slice(0, index), phoneClass, ...others.slice(index)];
  return { values: config.values, phoneClasses };
}

export function withoutPhoneClass(config: RouterConfig, name: string): RouterConfig {
  return { values: config.values, phoneClasses: config.phoneClasses.filter((c) => c.name !== name) };
}

export function phoneClassNamed(config: RouterConfig, name: string): PhoneClassConfig | undefined {
  return config.phoneClasses.find((c) => c.name === name);
}

/** Keys whose effective values differ between two configurations (phone classes count as 'phone-class'). */
export function changedKeys(before: RouterConfig, after: RouterConfig): string[] {
  const changed = CONFIG_KEYS.filter((def) => getValue(before, def.key) !== getValue(after, def.key)).map((def) => def.key);
  if (canonicalPhoneClasses(before) !== canonicalPhoneClasses(after)) changed.push('phone-class');
  return changed;
}

export function configEquals(a: RouterConfig, b: RouterConfig): boolean {
  return changedKeys(a, b).length === 0;
}

function canonicalPhoneClasses(config: RouterConfig): string {
  return JSON.stringify(
    config.phoneClasses.map((c) => [c.name, c.vendorClasses, c.macPrefixes, c.bootFile ?? null, c.template ?? null, c.options.map((o) => [o.code, o.value]), Object.keys(c.vars).sort().map((k) => [k, c.vars[k]])]),
  );
}

/** The typed view services read (numbers are u32 addresses, seconds, bytes). */
export interface RouterSettings {
  readonly hostname: string;
  readonly lan: { readonly address: number; readonly prefixLength: number; readonly mtu: number };
  readonly dhcp: { readonly poolStart: number; readonly poolEnd: number; readonly leaseTimeSeconds: number; readonly dns: number | undefined; readonly admitGuests: boolean };
  readonly ports: { readonly blockSize: number; readonly first: number };
  readonly wan:
    | { readonly mode: 'dhcp'; readonly mtu: number }
    | { readonly mode: 'static'; readonly address: number; readonly prefixLength: number; readonly gateway: number; readonly mtu: number };
  readonly tftp: { readonly maxSessions: number; readonly maxBlockSize: number; readonly maxWindow: number; readonly uploadMaxBytes: number };
  readonly nat: { readonly fallbackNapt: boolean; readonly hairpin: boolean; readonly udpTimeoutSeconds: number };
  readonly console: { readonly pageLength: number; readonly passwordHash: string | undefined };
  readonly logLevel: LogLevel;
  readonly phoneClasses: readonly PhoneClassConfig[];
}

/** Typed settings of a configuration that passed validateConfig (static WAN fields are then present). */
export function settingsOf(config: RouterConfig): RouterSettings {
  const v = (key: string) => getValue(config, key);
  const wanMtu = v('wan.mtu') as number;
  return {
    hostname: v('hostname') as string,
    lan: { address: v('lan.address') as number, prefixLength: v('lan.prefix') as number, mtu: v('lan.mtu') as number },
    dhcp: {
      poolStart: v('dhcp.pool-start') as number,
      poolEnd: v('dhcp.pool-end') as number,
      leaseTimeSeconds: v('dhcp.lease-time') as number,
      dns: v('dhcp.dns') as number | undefined,
      admitGuests: v('dhcp.admit-guests') as boolean,
    },
    ports: { blockSize: v('ports.block-size') as number, first: v('ports.first') as number },
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
    nat: { fallbackNapt: v('nat.fallback-napt') as boolean, hairpin: v('nat.hairpin') as boolean, udpTimeoutSeconds: v('nat.udp-timeout') as number },
    console: { pageLength: v('console.page-length') as number, passwordHash: v('console.password-hash') as string | undefined },
    logLevel: v('log.level') as LogLevel,
    phoneClasses: config.phoneClasses,
  };
}
