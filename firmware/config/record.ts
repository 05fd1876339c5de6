// The saved configuration record: a fixed header (magic, version, byte order, length, CRC) and a
// JSON body of values as the console types them. Byte layout in firmware/config/FORMAT.md.
import { crc32 } from '../util/crc32';
import { CONFIG_KEYS, keyDef } from './schema';
import { phoneClassesEqual, withPhoneClasses, withValue, DEFAULT_CONFIG, type PhoneClass, type RouterConfig } from './model';
import { validatePhoneClass, type RawOption } from '../dhcp/config';
import { decodeUtf8, encodeUtf8 } from '../util/text';
import { parseIp, prefixMask } from '../util/ipv4';

export const CONFIG_RECORD_KEY = 'config';
export const CONFIG_MAGIC = [0x50, 0x42, 0x43, 0x46]; // "PBCF"
export const CONFIG_VERSION = 2;
export const HEADER_SIZE = 16;
/** Written little-endian: a reader that sees 0x0201 knows the writer's byte order differed. */
export const BYTE_ORDER_MARK = 0x0102;
export const MAX_BODY_SIZE = 64 * 1024;

const OFFSET = { magic: 0, version: 4, byteOrder: 6, length: 8, crc: 12, body: 16 } as const;

export type RecordError = 'truncated' | 'bad-magic' | 'bad-byte-order' | 'too-long' | 'bad-crc' | 'too-new' | 'bad-body';

export interface DecodedConfig {
  readonly config: RouterConfig;
  /** Version found on flash (older ones were migrated). */
  readonly fromVersion: number;
  /** Entries skipped because they no longer fit the schema (unknown key, bad value). */
  readonly skipped: readonly string[];
}

interface BodyV2 {
  /** Schema key -> value as typed on the console. */
  v: Record<string, string>;
  /** Phone classes in match order, as firmware/dhcp/config.ts PhoneClass objects; absent = built-ins. */
  pc?: unknown[];
}
export function encodeConfig(config: RouterConfig): Uint8Array {
  const values: Record<string, string> = {};
  for (const def of CONFIG_KEYS) {
    if (Object.prototype.hasOwnProperty.call(config.values, def.key)) values[def.key] = def.type.format(config.values[def.key]).replace(/^"(.*)"$/, '$1');
  }
  const body: BodyV2 = { v: values };
  // Built-in classes unchanged: store nothing, so a firmware update can improve them.
  if (!phoneClassesEqual(config.phoneClasses, DEFAULT_CONFIG.phoneClasses)) body.pc = config.phoneClasses.map((c) => ({ ...c }));
  return frame(CONFIG_VERSION, encodeUtf8(JSON.stringify(body)));
}

/** Wrap a body in the header; exported so tests can build records of older versions. */
export function frame(version: number, body: Uint8Array): Uint8Array {
  const record = new Uint8Array(HEADER_SIZE + body.length);
  const view = new DataView(record.buffer);
  record.set(CONFIG_MAGIC, OFFSET.magic);
  view.setUint16(OFFSET.version, version, true);
  view.setUint16(OFFSET.byteOrder, BYTE_ORDER_MARK, true);
  view.setUint32(OFFSET.length, body.length, true);
  view.setUint32(OFFSET.crc, crc32(body), true);
  record.set(body, OFFSET.body);
  return record;
}

export function decodeConfig(record: Uint8Array): DecodedConfig | RecordError {
  if (record.length < HEADER_SIZE) return 'truncated';
  for (let i = 0; i < 4; i++) if (record[OFFSET.magic + i] !== CONFIG_MAGIC[i]) return 'bad-magic';
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  if (view.getUint16(OFFSET.byteOrder, true) !== BYTE_ORDER_MARK) return 'bad-byte-order';
  const version = view.getUint16(OFFSET.version, true);
  const length = view.getUint32(OFFSET.length, true);
  if (length > MAX_BODY_SIZE) return 'too-long';
  if (record.length < HEADER_SIZE + length) return 'truncated';
  if (crc32(record, OFFSET.body, OFFSET.body + length) !== view.getUint32(OFFSET.crc, true)) return 'bad-crc';
  if (version > CONFIG_VERSION || version < 1) return 'too-new';
  let json: unknown;
  try {
    json = JSON.parse(decodeUtf8(record, OFFSET.body, OFFSET.body + length));
  } catch {
    return 'bad-body';
  }
  const migrated = version === 1 ? migrateV1(json) : json;
  if (!isBodyV2(migrated)) return 'bad-body';
  return { ...bodyToConfig(migrated), fromVersion: version };
}

function bodyToConfig(body: BodyV2): { config: RouterConfig; skipped: string[] } {
  const skipped: string[] = [];
  let config = DEFAULT_CONFIG;
  for (const key of Object.keys(body.v)) {
    const def = keyDef(key);
    const text = body.v[key];
    const parsed = def && typeof text === 'string' ? def.type.parse(text) : undefined;
    if (!def || !parsed || !parsed.ok) skipped.push(key);
    else config = withValue(config, key, parsed.value);
  }
  if (body.pc === undefined) return { config, skipped };
  const phoneClasses: PhoneClass[] = [];
  for (const entry of body.pc) {
    const phoneClass = toPhoneClass(entry);
    if (phoneClass && validatePhoneClass(phoneClass).length === 0) phoneClasses.push(phoneClass);
    else skipped.push(`phone-class ${typeof (entry as { name?: unknown })?.name === 'string' ? (entry as { name: string }).name : '?'}`);
  }
  return { config: withPhoneClasses(config, phoneClasses), skipped };
}

/** Rebuild a PhoneClass field by field so nothing but the known shape comes off flash. */
function toPhoneClass(entry: unknown): PhoneClass | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const e = entry as Record<string, unknown>;
  if (typeof e.name !== 'string' || typeof e.bootFile !== 'string' || typeof e.psidLength !== 'number') return undefined;
  const confidence = e.confidence === 'high' || e.confidence === 'medium' || e.confidence === 'low' ? e.confidence : 'low';
  const options = Array.isArray(e.options)
    ? e.options.flatMap((o): RawOption[] => {
        if (typeof o !== 'object' || o === null || typeof (o as { code?: unknown }).code !== 'number') return [];
        const { code, hex, text } = o as { code: number; hex?: unknown; text?: unknown };
        if (typeof text === 'string') return [{ code, text }];
        if (typeof hex === 'string') return [{ code, hex }];
        return [];
      })
    : [];
  const sub = e.portRangeSubOptions as { first?: unknown; last?: unknown } | undefined;
  const phoneClass: PhoneClass = {
    name: e.name,
    confidence,
    note: typeof e.note === 'string' ? e.note : '',
    macs: strings(e.macs),
    vendorClasses: strings(e.vendorClasses),
    psidLength: e.psidLength,
    bootFile: e.bootFile,
    sendPortParams: e.sendPortParams === 'always' ? 'always' : 'requested',
    options,
    vars: stringRecord(e.vars),
    ...(typeof e.template === 'string' ? { template: e.template } : {}),
    ...(sub && typeof sub.first === 'number' && typeof sub.last === 'number' ? { portRangeSubOptions: { first: sub.first, last: sub.last } } : {}),
  };
  return phoneClass;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : [];
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

function isBodyV2(value: unknown): value is BodyV2 {
  if (typeof value !== 'object' || value === null) return false;
  const body = value as { v?: unknown; pc?: unknown };
  return typeof body.v === 'object' && body.v !== null && !Array.isArray(body.v) && (body.pc === undefined || Array.isArray(body.pc));
}

/**
 * Version 1 (the first field builds) stored the LAN netmask in dotted form (`lan.netmask`) and the
 * phone-pool bounds as `dhcp.pool` = "first-last". Version 2 keeps a prefix length and two keys.
 */
export function migrateV1(json: unknown): unknown {
  if (typeof json !== 'object' || json === null) return json;
  const old = json as { v?: unknown; pc?: unknown };
  if (typeof old.v !== 'object' || old.v === null) return json;
  const values: Record<string, unknown> = { ...(old.v as Record<string, unknown>) };
  const netmask = values['lan.netmask'];
  delete values['lan.netmask'];
  if (typeof netmask === 'string') {
    const mask = parseIp(netmask);
    for (let prefix = 0; mask !== undefined && prefix <= 32; prefix++) if (prefixMask(prefix) === mask) values['lan.prefix'] = String(prefix);
  }
  const pool = values['dhcp.pool'];
  delete values['dhcp.pool'];
  if (typeof pool === 'string' && pool.includes('-')) {
    const [first, last] = pool.split('-');
    values['dhcp.pool-start'] = first;
    values['dhcp.pool-end'] = last;
  }
  return old.pc === undefined ? { v: values } : { v: values, pc: old.pc };
}
