// MAC addresses are 6-byte Uint8Arrays; text form is lower-case colon-separated (ECMA-419).
import { bytesToHex } from './hex';

export const BROADCAST_MAC: Uint8Array = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

export function macToString(mac: Uint8Array, offset = 0): string {
  return bytesToHex(mac, offset, offset + 6, ':');
}

/** Accepts aa:bb:cc:dd:ee:ff, aa-bb-..., or aabbccddeeff (any case). */
export function parseMac(text: string): Uint8Array | undefined {
  const hex = text.replace(/[:\-.]/g, '');
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) return undefined;
  const mac = new Uint8Array(6);
  for (let i = 0; i < 6; i++) mac[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return mac;
}

export function macEquals(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset = 0): boolean {
  for (let i = 0; i < 6; i++) if (a[aOffset + i] !== b[bOffset + i]) return false;
  return true;
}
