// The console password, kept only as a salted PBKDF2-HMAC-SHA256 hash. The iteration count keeps one
// check well under a second under QuickJS on a small router; the console adds delays after failures.
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeUtf8 } from '../util/text';

export const PASSWORD_ITERATIONS = 2048;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const PREFIX = 'pbkdf2-sha256';

function toHex(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += (b < 16 ? '0' : '') + b.toString(16);
  return text;
}

function fromHex(text: string): Uint8Array | undefined {
  if (!/^([0-9a-f]{2})+$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** `pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>`; `randomFill` is the HAL's. */
export function hashPassword(password: string, randomFill: (into: Uint8Array) => void, iterations = PASSWORD_ITERATIONS): string {
  const salt = new Uint8Array(SALT_BYTES);
  randomFill(salt);
  const hash = pbkdf2(sha256, encodeUtf8(password), salt, { c: iterations, dkLen: HASH_BYTES });
  return `${PREFIX}$${iterations}$${toHex(salt)}$${toHex(hash)}`;
}

export function isPasswordHash(text: string): boolean {
  return parseHash(text) !== undefined;
}

function parseHash(text: string): { iterations: number; salt: Uint8Array; hash: Uint8Array } | undefined {
  const parts = text.split('$');
  if (parts.length !== 4 || parts[0] !== PREFIX || !/^\d{1,7}$/.test(parts[1])) return undefined;
  const iterations = Number(parts[1]);
  const salt = fromHex(parts[2]);
  const hash = fromHex(parts[3]);
  // Bounded so a pasted hash cannot make each login attempt run for minutes.
  if (iterations < 1 || iterations > 100000 || !salt || salt.length < 8 || !hash || hash.length !== HASH_BYTES) return undefined;
  return { iterations, salt, hash };
}

export function verifyPassword(password: string, stored: string): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const candidate = pbkdf2(sha256, encodeUtf8(password), parsed.salt, { c: parsed.iterations, dkLen: HASH_BYTES });
  let diff = 0; // compare every byte so timing does not tell how much matched
  for (let i = 0; i < HASH_BYTES; i++) diff |= candidate[i] ^ parsed.hash[i];
  return diff === 0;
}
