// Phone admission: a client is a phone of the first class whose MAC allowlist admits its chaddr
// and (only then) whose vendor-class patterns match its option 60 / 124 / 125.
import {
  parseMacPattern, parseVendorPattern, type CompiledMacPattern, type CompiledVendorPattern, type PhoneClass,
} from './config';
import { readIp } from '../util/ipv4';
import { readEnterpriseNumbers } from '../wire/dhcp-options';

export interface CompiledClass {
  readonly phoneClass: PhoneClass;
  readonly macs: readonly CompiledMacPattern[];
  readonly vendors: readonly CompiledVendorPattern[];
}

/** What the client shows us. */
export interface ClientIdentity {
  readonly mac: Uint8Array;
  /** Option 60, 124, 125 values when present. */
  readonly vendorClass?: Uint8Array;
  readonly viVendorClass?: Uint8Array;
  readonly viVendorSpecific?: Uint8Array;
}

export type Admission =
  | { readonly admitted: true; readonly phoneClass: PhoneClass }
  | { readonly admitted: false; readonly reason: 'mac-not-allowed' | 'vendor-class-mismatch' };

/** Compile classes once per configuration; invalid patterns were refused by validation, skip them here. */
export function compileClasses(classes: readonly PhoneClass[]): CompiledClass[] {
  return classes.map((phoneClass) => ({
    phoneClass,
    macs: phoneClass.macs.flatMap((text) => {
      const parsed = parseMacPattern(text);
      return parsed.ok ? [parsed.value] : [];
    }),
    vendors: phoneClass.vendorClasses.flatMap((text) => {
      const parsed = parseVendorPattern(text);
      return parsed.ok ? [parsed.value] : [];
    }),
  }));
}

function macAllowed(patterns: readonly CompiledMacPattern[], mac: Uint8Array): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((pattern) => {
    for (let i = 0; i < pattern.bytes.length; i++) if (mac[i] !== pattern.bytes[i]) return false;
    return true;
  });
}

function lower(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte + 32 : byte;
}

function textAt(value: Uint8Array, at: number, text: Uint8Array): boolean {
  if (at + text.length > value.length) return false;
  for (let i = 0; i < text.length; i++) if (lower(value[at + i]) !== text[i]) return false;
  return true;
}

function vendorMatches(pattern: CompiledVendorPattern, client: ClientIdentity): boolean {
  const value = client.vendorClass;
  switch (pattern.kind) {
    case 'exact':
      return value !== undefined && value.length === pattern.bytes.length && textAt(value, 0, pattern.bytes);
    case 'prefix':
      return value !== undefined && textAt(value, 0, pattern.bytes);
    case 'contains': {
      if (!value) return false;
      for (let at = 0; at + pattern.bytes.length <= value.length; at++) if (textAt(value, at, pattern.bytes)) return true;
      return false;
    }
    case 'hex': {
      if (!value || value.length < pattern.bytes.length) return false;
      for (let i = 0; i < pattern.bytes.length; i++) if ((value[i] & pattern.mask[i]) !== pattern.bytes[i]) return false;
      return true;
    }
    case 'enterprise': {
      // RFC 3925 style option 60 (Polycom): enterprise number in the first 4 bytes.
      if (value && value.length >= 4 && readIp(value, 0) === pattern.number) return true;
      for (const vi of [client.viVendorClass, client.viVendorSpecific]) {
        if (readEnterpriseNumbers(vi)?.includes(pattern.number)) return true;
      }
      return false;
    }
  }
}

/**
 * Admit a client. The MAC is checked first: a class whose allowlist refuses the MAC is never asked
 * about the vendor class. The reason distinguishes "no class accepts this MAC" from "a class accepts
 * the MAC but not the vendor class".
 */
export function admit(classes: readonly CompiledClass[], client: ClientIdentity): Admission {
  let macPassedSomewhere = false;
  for (const compiled of classes) {
    if (!macAllowed(compiled.macs, client.mac)) continue;
    macPassedSomewhere = true;
    if (compiled.vendors.length === 0 || compiled.vendors.some((pattern) => vendorMatches(pattern, client))) {
      return { admitted: true, phoneClass: compiled.phoneClass };
    }
  }
  return { admitted: false, reason: macPassedSomewhere ? 'vendor-class-mismatch' : 'mac-not-allowed' };
}
