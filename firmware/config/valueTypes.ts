// Value types of configuration keys: how text typed on the console becomes a typed value and back.
// Each type names itself for `?` help and refuses bad text with a short reason (no exceptions).
import { ipToString, parseIp } from '../util/ipv4';

export type ConfigValue = number | string | boolean;

export type ParseResult = { readonly ok: true; readonly value: ConfigValue } | { readonly ok: false; readonly reason: string };

export interface ValueType {
  /** Shown by `?` in place of the value, e.g. `A.B.C.D` or `<64-65535>`. */
  readonly syntax: string;
  parse(text: string): ParseResult;
  format(value: ConfigValue): string;
  /** Fixed choices for tab completion (enums, booleans). */
  readonly choices?: readonly string[];
}

const ok = (value: ConfigValue): ParseResult => ({ ok: true, value });
const bad = (reason: string): ParseResult => ({ ok: false, reason });

export const ipv4Type: ValueType = {
  syntax: 'A.B.C.D',
  parse(text) {
    const ip = parseIp(text);
    return ip === undefined ? bad('not an IPv4 address (expected four numbers 0-255 joined by dots)') : ok(ip);
  },
  format: (value) => ipToString(value as number),
};

/** Digits only, any length: a long number is a whole number (out of range), not a malformed one. */
export function parseDecimal(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

export function intType(min: number, max: number, unit = ''): ValueType {
  return {
    syntax: `<${min}-${max}>${unit ? ' ' + unit : ''}`,
    parse(text) {
      const n = parseDecimal(text);
      if (n === undefined) return bad('not a whole number');
      if (n < min || n > max) return bad(`out of range ${min}-${max}`);
      return ok(n);
    },
    format: (value) => String(value),
  };
}

/** A power of two in [min, max] (port-block sizes). */
export function powerOfTwoType(min: number, max: number): ValueType {
  return {
    syntax: `<${min}-${max}> power of two`,
    parse(text) {
      const n = parseDecimal(text);
      if (n === undefined) return bad('not a whole number');
      if (n < min || n > max) return bad(`out of range ${min}-${max}`);
      if ((n & (n - 1)) !== 0) return bad('not a power of two');
      return ok(n);
    },
    format: (value) => String(value),
  };
}

export const boolType: ValueType = {
  syntax: 'on|off',
  choices: ['on', 'off'],
  parse(text) {
    const t = text.toLowerCase();
    if (t === 'on' || t === 'true' || t === 'yes' || t === 'enable') return ok(true);
    if (t === 'off' || t === 'false' || t === 'no' || t === 'disable') return ok(false);
    return bad('expected on or off');
  },
  format: (value) => (value ? 'on' : 'off'),
};

export function enumType(choices: readonly string[]): ValueType {
  return {
    syntax: choices.join('|'),
    choices,
    parse(text) {
      const t = text.toLowerCase();
      const exact = choices.find((c) => c === t);
      if (exact) return ok(exact);
      const partial = choices.filter((c) => c.startsWith(t));
      if (partial.length === 1 && t.length > 0) return ok(partial[0]);
      return bad(`expected one of ${choices.join(', ')}`);
    },
    format: (value) => String(value),
  };
}

/** Printable ASCII without spaces or quotes, so it round-trips through `show running-config`. */
export function wordType(maxLength: number, syntax = 'WORD'): ValueType {
  return {
    syntax: `${syntax} (up to ${maxLength} characters)`,
    parse(text) {
      if (text.length === 0) return bad('empty');
      if (text.length > maxLength) return bad(`longer than ${maxLength} characters`);
      if (!/^[\x21-\x7e]+$/.test(text) || /["\\]/.test(text)) return bad('only printable characters without spaces, quotes or backslashes');
      return ok(text);
    },
    format: (value) => String(value),
  };
}

/** Free text (may contain spaces; quoted on output). */
export function textType(maxLength: number): ValueType {
  return {
    syntax: `TEXT (up to ${maxLength} characters, quote it if it has spaces)`,
    parse(text) {
      if (text.length > maxLength) return bad(`longer than ${maxLength} characters`);
      if (!/^[\x20-\x7e]*$/.test(text)) return bad('only printable ASCII characters');
      if (/["\\]/.test(text)) return bad('quotes and backslashes are not allowed');
      return ok(text);
    },
    format: (value) => quoteIfNeeded(String(value)),
  };
}

export function quoteIfNeeded(text: string): string {
  return text === '' || /[\s?]/.test(text) ? `"${text}"` : text;
}

/** Comma-separated IPv4 addresses, or `none`. Stored as the canonical text. */
export const ipListType: ValueType = {
  syntax: 'A.B.C.D[,A.B.C.D...] or none',
  parse(text) {
    if (text === 'none') return ok('');
    const parts = text.split(',');
    if (parts.length > 8) return bad('at most 8 addresses');
    for (const part of parts) if (parseIp(part) === undefined) return bad(`'${part}' is not an IPv4 address`);
    return ok(parts.map((p) => ipToString(parseIp(p) as number)).join(','));
  },
  format: (value) => (value === '' ? 'none' : String(value)),
};

/**
 * DNS servers for the LAN: `none`, or up to 8 of addresses and the word `router` (the router's
 * LAN address, resolved when the lease is built: only true where something on the router answers).
 */
export const dnsServersType: ValueType = {
  syntax: "A.B.C.D|router[,...] or none",
  parse(text) {
    if (text === 'none') return ok('');
    const parts = text.split(',');
    if (parts.length > 8) return bad('at most 8 servers');
    const out: string[] = [];
    for (const part of parts) {
      const ip = parseIp(part);
      const server = part.toLowerCase() === 'router' ? 'router' : ip === undefined ? undefined : ipToString(ip);
      if (server === undefined) return bad(`'${part}' is not an IPv4 address or 'router'`);
      if (out.includes(server)) return bad(`'${server}' listed twice`);
      out.push(server);
    }
    return ok(out.join(','));
  },
  format: (value) => (value === '' ? 'none' : String(value)),
};

/** Comma-separated port ranges `first-last` (or single ports), or `none`. */
export const portRangesType: ValueType = {
  syntax: 'FIRST-LAST[,FIRST-LAST...] or none',
  parse(text) {
    if (text === 'none') return ok('');
    const parts = text.split(',');
    if (parts.length > 16) return bad('at most 16 ranges');
    const out: string[] = [];
    for (const part of parts) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(part);
      if (!m) return bad(`'${part}' is not a port or FIRST-LAST range`);
      const first = Number(m[1]);
      const last = m[2] === undefined ? first : Number(m[2]);
      if (first > 65535 || last > 65535) return bad(`'${part}': ports are 0-65535`);
      if (first > last) return bad(`'${part}': first port after last`);
      out.push(first === last ? String(first) : `${first}-${last}`);
    }
    return ok(out.join(','));
  },
  format: (value) => (value === '' ? 'none' : String(value)),
};

export function parsePortRanges(text: string): Array<{ first: number; last: number }> {
  if (text === '') return [];
  return text.split(',').map((part) => {
    const [a, b] = part.split('-');
    return { first: Number(a), last: Number(b ?? a) };
  });
}

/** One port range `FIRST-LAST` (1024-65535). */
export const portSpanType: ValueType = {
  syntax: 'FIRST-LAST (1024-65535)',
  parse(text) {
    const m = /^(\d+)-(\d+)$/.exec(text);
    if (!m) return bad('not a FIRST-LAST port range');
    const first = Number(m[1]);
    const last = Number(m[2]);
    if (first < 1024 || last > 65535) return bad('ports must be 1024-65535');
    if (first > last) return bad('first port after last');
    return ok(`${first}-${last}`);
  },
  format: (value) => String(value),
};
