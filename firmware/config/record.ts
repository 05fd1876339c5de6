// The saved configuration record: a fixed header (magic, version, byte order, length, CRC) and a
// JSON body of values as the console types them. Byte layout in firmware/config/FORMAT.md.
import { crc32 } from './crc32';
import { CONFIG_KEYS, keyDef } from './schema';
import { emptyPhoneClass, withValue, DEFAULT_CONFIG, type PhoneClassConfig, type RouterConfig } from './model';
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
  v: Record<string, string>;
  pc: Array<{ n: string; vc: string[]; mac: string[]; bf?: string; tpl?: string; opt: Array<[number, string]>; vars: Record<string, string> }>;
}

export function encodeConfig(config: RouterConfig): Uint8Array {
  const values: Record<string, string> = {};
  for (const def of CONFIG_KEYS) {
    if (Object.prototype.hasOwnProperty.call(config.values, def.key)) values[def.key] = def.type.format(config.values[def.key]).replace(/^"(.*)"$/, '$1');
  }
  const body: BodyV2 = {
    v: values,
    pc: config.phoneClasses.map((c) => {
      const entry: BodyV2['pc'][number] = { n: c.name, vc: [...c.vendorClasses], mac: [...c.macPrefixes], opt: c.options.map((o) => [o.code, o.value]), vars: { ...c.vars } };
      if (c.bootFile !== undefined) entry.bf = c.bootFile;
      if (c.template !== undefined) entry.tpl = c.template;
      return entry;
    }),
  };
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
  const phoneClasses: PhoneClassConfig[] = [];
  for (const entry of body.pc) {
    if (typeof entry.n !== 'string' || !/^[\x21-\x7e]{1,32}$/.test(entry.n)) {
      skipped.push('phone-class');
      continue;
    }
    const base = emptyPhoneClass(entry.n);
    phoneClasses.push({
      ...base,
      vendorClasses: strings(entry.vc),
      macPrefixes: strings(entry.mac),
      bootFile: typeof entry.bf === 'string' ? entry.bf : undefined,
      template: typeof entry.tpl === 'string' ? entry.tpl : undefined,
      options: Array.isArray(entry.opt) ? entry.opt.filter((o) => Array.isArray(o) && typeof o[0] === 'number' && typeof o[1] === 'string').map(([code, value]) => ({ code, value })) : [],
      vars: stringRecord(entry.vars),
    });
  }
  return { config: { values: config.values, phoneClasses }, skipped };
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
  return typeof body.v === 'object' && body.v !== null && !Array.isArray(body.v) && Array.isArray(body.pc) && body.pc.every((e) => typeof e === 'object' && e !== null);
}

/**
 * Version 1 (first field builds) stored the LAN netmask in dotted form (`lan.netmask`) and phone
 * classes without DHCP options or template variables. Version 2 keeps a prefix length.
 */
export function migrateV1(json: unknown): unknown {
  if (typeof json !== 'object' || json === null) return json;
  const old = json as { v?: Record<string, unknown>; pc?: Array<Record<string, unknown>> };
  if (typeof old.v !== 'object' || old.v === null) return json;
  const values: Record<string, unknown> = { ...old.v };
  if (typeof values['lan.netmask'] === 'string') {
    const mask = parseIp(values['lan.netmask'] as string);
    delete values['lan.netmask'];
    for (let prefix = 0; mask !== undefined && prefix <= 32; prefix++) {
      if (prefixMask(prefix) === mask) values['lan.prefix'] = String(prefix);
    }
  }
  const pc = Array.isArray(old.pc) ? old.pc.map((c) => ({ opt: [], vars: {}, ...c })) : [];
  return { v: values, pc };
}

