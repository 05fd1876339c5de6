// The typed configuration of the DHCP server: pools, lease times, admission classes for phones,
// their port-block size and software, and its validation (defaults and the ready-made phone
// classes are in defaults.ts). The config engineer composes DhcpConfig into the router's schema;
// TFTP reads template/vars.
import { parseIp } from '../util/ipv4';
import { parseMac } from '../util/mac';
import { encodeUtf8 } from '../util/text';

/**
 * How a class recognises a client's vendor class. Text forms (`exact:`, `prefix:`, `contains:`)
 * compare ASCII case-insensitively against option 60 read as bytes. `hex:` is a byte pattern that
 * must match the START of option 60 (`??` matches any byte; a trailing `*` is implied). `enterprise:`
 * matches an IANA enterprise number carried as RFC 3925 data: the first 4 bytes of option 60
 * (Polycom style), or any entry of option 124 (V-I vendor class) or 125 (V-I vendor-specific).
 */
export type VendorPattern = string;

export type CompiledVendorPattern =
  | { readonly kind: 'exact' | 'prefix' | 'contains'; readonly bytes: Uint8Array }
  | { readonly kind: 'hex'; readonly bytes: Uint8Array; readonly mask: Uint8Array }
  | { readonly kind: 'enterprise'; readonly number: number };

/** A MAC allowlist entry: a whole MAC (6 bytes) or an OUI prefix (3 bytes), colon-separated hex. */
export interface CompiledMacPattern {
  readonly bytes: Uint8Array;
}

/** The smallest block is 16 ports (k = 12): a SIP port and a few RTP/RTCP pairs. */
export const MAX_PSID_LENGTH = 12;

export type Confidence = 'high' | 'medium' | 'low';

export interface RawOption {
  readonly code: number;
  /** Exactly one of hex / text. */
  readonly hex?: string;
  readonly text?: string;
}

export interface PhoneClass {
  readonly name: string;
  /** How sure we are of the vendor-class strings below, and where they come from. */
  readonly confidence: Confidence;
  readonly note: string;
  /** Exact MACs ('aa:bb:cc:dd:ee:ff') or OUI prefixes ('aa:bb:cc'). Empty admits any MAC. */
  readonly macs: readonly string[];
  /** A client passes when any pattern matches. Empty matches every client whose MAC passed. */
  readonly vendorClasses: readonly VendorPattern[];
  /** PSID length k: the phone's port block holds 2^(16-k) ports. 1..12 (16 ports at least). */
  readonly psidLength: number;
  /** Operational software (option 67 and the BOOTP `file` field). */
  readonly bootFile: string;
  /** Provisioning-file name pattern ({mac} lower-case, {MAC} upper-case hex); TFTP renders the store item `template:<class>` there. */
  readonly template?: string;
  /** 'requested': option 159 only when listed in option 55 (safe default); 'always': force it. */
  readonly sendPortParams: 'requested' | 'always';
  /**
   * When set, option 43 carries the port range as two vendor sub-options: `first` holds the first
   * port and `last` the last port, each 2 bytes big-endian.
   */
  readonly portRangeSubOptions?: { readonly first: number; readonly last: number };
  /** Extra options sent to every phone of this class, whether requested or not (e.g. Avaya 242). */
  readonly options: readonly RawOption[];
  /** Key/values for provisioning templates (sip_server, ntp, tz...). */
  readonly vars: Readonly<Record<string, string>>;
}

/** In `dns`: the router's own LAN address. */
export const DNS_ROUTER = 'router';

export interface AddressRange {
  readonly first: string;
  readonly last: string;
}

export interface PortRange {
  readonly first: number;
  readonly last: number;
}

export interface DhcpConfig {
  readonly enabled: boolean;
  /** Addresses for admitted phones. */
  readonly pool: AddressRange;
  /** Addresses for clients that are not phones (when unknownClients = 'guest'). */
  readonly guestPool: AddressRange;
  /** Seconds. */
  readonly leaseTime: number;
  readonly guestLeaseTime: number;
  /** Seconds an offered address stays held for the client that was offered it. */
  readonly offerHold: number;
  readonly unknownClients: 'guest' | 'ignore';
  readonly reservations: readonly { readonly mac: string; readonly ip: string }[];
  /**
   * Public ports the router keeps for itself and for ordinary NAPT (guests). A block that overlaps
   * any of them is never given to a phone. Ports 0-1023 are always excluded on top of this.
   */
  readonly reservedPorts: readonly PortRange[];
  /**
   * DNS servers (option 6), addresses or 'router' (the router's LAN address); empty = no option 6.
   * Nothing in the firmware answers DNS, so the router is named only when the owner says so.
   */
  readonly dns: readonly string[];
  /** NTP servers (option 42); empty = none sent. */
  readonly ntp: readonly string[];
  /** Gateway (option 3) and TFTP server; 'auto' = the router's LAN address. */
  readonly router: string;
  readonly tftpServer: string;
  /** Seconds between probes for another DHCP server on the LAN (first probe at start). */
  readonly rogueProbeInterval: number;
  readonly rogueServerPolicy: 'warn' | 'stop';
  /** Seconds a port block stays unassignable after its lease ended (RFC 6888 REQ-8: >= 120). */
  readonly blockQuarantine: number;
  /** Seconds a DECLINEd address stays out of use. */
  readonly declineQuarantine: number;
  /** Probe a never-used address before offering it (an echo request, so first an ARP request). */
  readonly probeNewAddresses: boolean;
  /** Milliseconds to wait for an answer to that probe. */
  readonly probeTimeoutMs: number;
  /** Starvation caps. */
  readonly maxOutstandingOffers: number;
  /** Token bucket per MAC: `burst` messages, refilled at `perMinute`. */
  readonly perMacBurst: number;
  readonly perMacPerMinute: number;
  readonly classes: readonly PhoneClass[];
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

function hexToBytes(hex: string): { bytes: Uint8Array; mask: Uint8Array } | string {
  const clean = hex.replace(/[\s:]/g, '');
  if (clean.length === 0 || clean.length % 2 !== 0) return 'hex needs an even, non-zero number of digits';
  const bytes = new Uint8Array(clean.length / 2);
  const mask = new Uint8Array(clean.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    const pair = clean.slice(i * 2, i * 2 + 2);
    if (pair === '??') continue;
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) return `'${pair}' is not a hex byte or '??'`;
    bytes[i] = parseInt(pair, 16);
    mask[i] = 0xff;
  }
  return { bytes, mask };
}

/** Parse one vendor pattern ('exact:', 'prefix:', 'contains:', 'hex:', 'enterprise:'). */
export function parseVendorPattern(pattern: VendorPattern): Parsed<CompiledVendorPattern> {
  const colon = pattern.indexOf(':');
  const kind = colon < 0 ? '' : pattern.slice(0, colon);
  const body = colon < 0 ? '' : pattern.slice(colon + 1);
  switch (kind) {
    case 'exact':
    case 'prefix':
    case 'contains': {
      if (body.length === 0) return { ok: false, error: `vendor pattern '${pattern}': empty text` };
      if (body.length > 255) return { ok: false, error: `vendor pattern '${pattern}': longer than 255 bytes` };
      return { ok: true, value: { kind, bytes: encodeUtf8(body.toLowerCase()) } };
    }
    case 'hex': {
      const parsed = hexToBytes(body);
      if (typeof parsed === 'string') return { ok: false, error: `vendor pattern '${pattern}': ${parsed}` };
      if (parsed.bytes.length > 255) return { ok: false, error: `vendor pattern '${pattern}': longer than 255 bytes` };
      return { ok: true, value: { kind: 'hex', bytes: parsed.bytes, mask: parsed.mask } };
    }
    case 'enterprise': {
      if (!/^\d{1,10}$/.test(body) || Number(body) > 0xffffffff) {
        return { ok: false, error: `vendor pattern '${pattern}': enterprise number must be 0..4294967295` };
      }
      return { ok: true, value: { kind: 'enterprise', number: Number(body) } };
    }
    default:
      return {
        ok: false,
        error: `vendor pattern '${pattern}': must start with exact:, prefix:, contains:, hex: or enterprise:`,
      };
  }
}

/** Parse a MAC allowlist entry: a full MAC or a 3-byte OUI prefix. */
export function parseMacPattern(text: string): Parsed<CompiledMacPattern> {
  const full = parseMac(text);
  if (full) return { ok: true, value: { bytes: full } };
  const hex = text.replace(/[:\-.]/g, '');
  if (/^[0-9a-fA-F]{6}$/.test(hex)) {
    const bytes = new Uint8Array(3);
    for (let i = 0; i < 3; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
    return { ok: true, value: { bytes } };
  }
  return { ok: false, error: `MAC '${text}': expected aa:bb:cc:dd:ee:ff or an OUI prefix aa:bb:cc` };
}

/** Bytes of a raw option, or an error. */
export function rawOptionBytes(option: RawOption): Parsed<Uint8Array> {
  if (!Number.isInteger(option.code) || option.code < 1 || option.code > 254) {
    return { ok: false, error: `option code ${option.code}: must be 1..254` };
  }
  if ((option.hex === undefined) === (option.text === undefined)) {
    return { ok: false, error: `option ${option.code}: give exactly one of hex or text` };
  }
  let bytes: Uint8Array;
  if (option.text !== undefined) bytes = encodeUtf8(option.text);
  else {
    const parsed = hexToBytes(option.hex as string);
    if (typeof parsed === 'string') return { ok: false, error: `option ${option.code}: ${parsed}` };
    if (parsed.mask.some((m) => m === 0)) return { ok: false, error: `option ${option.code}: '??' is not allowed in a value` };
    bytes = parsed.bytes;
  }
  if (bytes.length > 255) return { ok: false, error: `option ${option.code}: value longer than 255 bytes` };
  return { ok: true, value: bytes };
}

function ipOrError(text: string, what: string, errors: string[]): number {
  const ip = parseIp(text);
  if (ip === undefined) errors.push(`${what}: '${text}' is not an IPv4 address`);
  return ip ?? 0;
}

/** Check a phone class; returns human-readable errors (empty when valid). */
export function validatePhoneClass(phoneClass: PhoneClass): string[] {
  const errors: string[] = [];
  const where = `class '${phoneClass.name}'`;
  if (!/^[A-Za-z0-9_.-]{1,32}$/.test(phoneClass.name)) errors.push(`${where}: name must be 1-32 of A-Z a-z 0-9 _ . -`);
  for (const mac of phoneClass.macs) {
    const parsed = parseMacPattern(mac);
    if (!parsed.ok) errors.push(`${where}: ${parsed.error}`);
  }
  for (const pattern of phoneClass.vendorClasses) {
    const parsed = parseVendorPattern(pattern);
    if (!parsed.ok) errors.push(`${where}: ${parsed.error}`);
  }
  if (!Number.isInteger(phoneClass.psidLength) || phoneClass.psidLength < 1 || phoneClass.psidLength > MAX_PSID_LENGTH) {
    errors.push(`${where}: psidLength must be 1..${MAX_PSID_LENGTH} (a block of 2^(16-k) ports, at least 16)`);
  }
  if (phoneClass.bootFile.length > 255) errors.push(`${where}: bootFile longer than 255 bytes`);
  if (phoneClass.sendPortParams !== 'requested' && phoneClass.sendPortParams !== 'always') {
    errors.push(`${where}: sendPortParams must be 'requested' or 'always'`);
  }
  const sub = phoneClass.portRangeSubOptions;
  if (sub && !(isSubOption(sub.first) && isSubOption(sub.last) && sub.first !== sub.last)) {
    errors.push(`${where}: portRangeSubOptions must be two different codes 1..254`);
  }
  for (const option of phoneClass.options) {
    const parsed = rawOptionBytes(option);
    if (!parsed.ok) errors.push(`${where}: ${parsed.error}`);
  }
  return errors;
}

function isSubOption(code: number): boolean {
  return Number.isInteger(code) && code >= 1 && code <= 254;
}

function checkRange(range: AddressRange, what: string, errors: string[]): [number, number] {
  const first = ipOrError(range.first, `${what}.first`, errors);
  const last = ipOrError(range.last, `${what}.last`, errors);
  if (first > last) errors.push(`${what}: first ${range.first} is after last ${range.last}`);
  if (last - first > 65535) errors.push(`${what}: more than 65536 addresses`);
  return [first, last];
}

/** Check a whole configuration; returns human-readable errors (empty when valid). */
export function validateDhcpConfig(config: DhcpConfig): string[] {
  const errors: string[] = [];
  const [poolFirst, poolLast] = checkRange(config.pool, 'pool', errors);
  const [guestFirst, guestLast] = checkRange(config.guestPool, 'guestPool', errors);
  if (poolFirst <= guestLast && guestFirst <= poolLast) errors.push('pool and guestPool overlap');
  const positive: [number, string][] = [
    [config.leaseTime, 'leaseTime'],
    [config.guestLeaseTime, 'guestLeaseTime'],
    [config.offerHold, 'offerHold'],
    [config.rogueProbeInterval, 'rogueProbeInterval'],
    [config.declineQuarantine, 'declineQuarantine'],
    [config.maxOutstandingOffers, 'maxOutstandingOffers'],
    [config.perMacBurst, 'perMacBurst'],
    [config.perMacPerMinute, 'perMacPerMinute'],
    [config.probeTimeoutMs, 'probeTimeoutMs'],
  ];
  for (const [value, name] of positive) {
    if (!Number.isInteger(value) || value < 1) errors.push(`${name} must be a positive integer`);
  }
  if (config.leaseTime < 60 || config.leaseTime > 0xfffffffe) errors.push('leaseTime must be 60..4294967294 seconds');
  if (!Number.isInteger(config.blockQuarantine) || config.blockQuarantine < 120) {
    errors.push('blockQuarantine must be at least 120 seconds (RFC 6888 REQ-8)');
  }
  if (config.unknownClients !== 'guest' && config.unknownClients !== 'ignore') {
    errors.push("unknownClients must be 'guest' or 'ignore'");
  }
  if (config.rogueServerPolicy !== 'warn' && config.rogueServerPolicy !== 'stop') {
    errors.push("rogueServerPolicy must be 'warn' or 'stop'");
  }
  const reservedMacs = new Set<string>();
  const reservedIps = new Set<number>();
  for (const reservation of config.reservations) {
    const mac = parseMac(reservation.mac);
    if (!mac) errors.push(`reservation: '${reservation.mac}' is not a MAC`);
    const ip = ipOrError(reservation.ip, `reservation ${reservation.mac}`, errors);
    const key = reservation.mac.toLowerCase();
    if (reservedMacs.has(key)) errors.push(`reservation: ${reservation.mac} listed twice`);
    if (reservedIps.has(ip)) errors.push(`reservation: ${reservation.ip} given twice`);
    reservedMacs.add(key);
    reservedIps.add(ip);
  }
  for (const range of config.reservedPorts) {
    if (!Number.isInteger(range.first) || !Number.isInteger(range.last) || range.first < 0 || range.last > 65535 || range.first > range.last) {
      errors.push(`reservedPorts: ${range.first}-${range.last} is not a port range`);
    }
  }
  for (const text of config.dns) {
    if (text !== DNS_ROUTER && parseIp(text) === undefined) errors.push(`dns: '${text}' is not an IPv4 address or '${DNS_ROUTER}'`);
  }
  for (const text of config.ntp) ipOrError(text, 'ntp', errors);
  if (config.router !== 'auto') ipOrError(config.router, 'router', errors);
  if (config.tftpServer !== 'auto') ipOrError(config.tftpServer, 'tftpServer', errors);
  const names = new Set<string>();
  for (const phoneClass of config.classes) {
    if (names.has(phoneClass.name)) errors.push(`class '${phoneClass.name}' defined twice`);
    names.add(phoneClass.name);
    errors.push(...validatePhoneClass(phoneClass));
  }
  return errors;
}
