// The console password, kept only as a salted PBKDF2-HMAC-SHA256 hash. Under QuickJS one iteration
// costs ~0.47 ms on x86-64 (measured, native runtime) and several times that on a MIPS router, so
// the work runs in slices (Pbkdf2Work.step) between which the reactor keeps forwarding, and the count
// stays modest (512: ~0.25 s per login on x86); the growing delay after wrong attempts stops guessing.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeUtf8 } from '../util/text';
import { bytesToHex, hexToBytes } from '../util/hex';
import type { ValueType } from './valueTypes';

export const PASSWORD_ITERATIONS = 512;
/** Iterations per slice: ~4 ms under QuickJS on x86-64, a few tens of ms on a slow router. */
export const ITERATIONS_PER_STEP = 8;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const PREFIX = 'pbkdf2-sha256';
const MAX_ITERATIONS = 100000;
const MIN_SALT_BYTES = 8;
const MAX_SALT_BYTES = 64;

/** PBKDF2-HMAC-SHA256 with a 32-byte output (one block, RFC 8018 5.2), computed a slice at a time. */
export class Pbkdf2Work {
  private readonly keyed: ReturnType<typeof hmac.create>;
  private readonly u = new Uint8Array(HASH_BYTES);
  private readonly t = new Uint8Array(HASH_BYTES);
  private done = 0;

  constructor(
    password: string,
    salt: Uint8Array,
    private readonly iterations: number,
  ) {
    this.keyed = hmac.create(sha256, encodeUtf8(password));
    const first = new Uint8Array(salt.length + 4);
    first.set(salt);
    first[salt.length + 3] = 1; // INT(1): the only block
    this.keyed._cloneInto().update(first).digestInto(this.u);
    this.t.set(this.u);
    this.done = 1;
  }

  /** Run up to `count` more iterations; true when finished. */
  step(count = ITERATIONS_PER_STEP): boolean {
    const end = Math.min(this.iterations, this.done + count);
    for (; this.done < end; this.done++) {
      this.keyed._cloneInto().update(this.u).digestInto(this.u);
      for (let i = 0; i < HASH_BYTES; i++) this.t[i] ^= this.u[i];
    }
    return this.done >= this.iterations;
  }

  finished(): boolean {
    return this.done >= this.iterations;
  }

  result(): Uint8Array {
    if (!this.finished()) throw new Error('Pbkdf2Work.result before it finished'); // programmer error
    return this.t;
  }
}

interface ParsedHash {
  readonly iterations: number;
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

const FORMAT = `${PREFIX}$<iterations>$<salt hex>$<hash hex>`;

/** The stored form, or why it is not one (so a mistyped hash is refused instead of locking the console). */
function parseHash(text: string): ParsedHash | string {
  const parts = text.split('$');
  if (parts.length !== 4 || parts[0] !== PREFIX) return `not a password hash (${FORMAT}); use 'set console.password <secret>'`;
  const iterations = /^\d{1,7}$/.test(parts[1]) ? Number(parts[1]) : 0;
  // Bounded so a pasted hash cannot make each login attempt run for minutes.
  if (iterations < 1 || iterations > MAX_ITERATIONS) return `iterations must be 1-${MAX_ITERATIONS}`;
  const salt = hexToBytes(parts[2]);
  if (!salt || salt.length < MIN_SALT_BYTES || salt.length > MAX_SALT_BYTES) return `salt must be ${MIN_SALT_BYTES}-${MAX_SALT_BYTES} bytes of hex`;
  const hash = hexToBytes(parts[3]);
  if (!hash || hash.length !== HASH_BYTES) return `hash must be ${HASH_BYTES} bytes (${HASH_BYTES * 2} hex digits)`;
  return { iterations, salt, hash };
}

export function isPasswordHash(text: string): boolean {
  return typeof parseHash(text) !== 'string';
}

/** The configuration type of `console.password-hash`: only a hash a password can match. */
export const passwordHashType: ValueType = {
  syntax: `HASH (${FORMAT})`,
  parse(text) {
    const parsed = parseHash(text);
    return typeof parsed === 'string' ? { ok: false, reason: parsed } : { ok: true, value: text };
  },
  format: (value) => String(value),
};

/** Creating a hash: step() until true, then hash(). */
export class PasswordHashing {
  private readonly salt = new Uint8Array(SALT_BYTES);
  private readonly work: Pbkdf2Work;

  constructor(password: string, randomFill: (into: Uint8Array) => void, private readonly iterations = PASSWORD_ITERATIONS) {
    randomFill(this.salt);
    this.work = new Pbkdf2Work(password, this.salt, iterations);
  }

  step(count?: number): boolean {
    return this.work.step(count);
  }

  /** `pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>`. */
  hash(): string {
    return `${PREFIX}$${this.iterations}$${bytesToHex(this.salt)}$${bytesToHex(this.work.result())}`;
  }
}

/** Checking a password against a stored hash: step() until true, then matches(). */
export class PasswordCheck {
  private readonly parsed: ParsedHash | undefined;
  private readonly work: Pbkdf2Work | undefined;

  constructor(password: string, stored: string) {
    const parsed = parseHash(stored);
    this.parsed = typeof parsed === 'string' ? undefined : parsed;
    this.work = this.parsed ? new Pbkdf2Work(password, this.parsed.salt, this.parsed.iterations) : undefined;
  }

  step(count?: number): boolean {
    return this.work ? this.work.step(count) : true;
  }

  matches(): boolean {
    if (!this.parsed || !this.work) return false;
    const candidate = this.work.result();
    let diff = 0; // compare every byte so timing does not tell how much matched
    for (let i = 0; i < HASH_BYTES; i++) diff |= candidate[i] ^ this.parsed.hash[i];
    return diff === 0;
  }
}

/** All at once (tests, tools): blocks for the whole computation. */
export function hashPassword(password: string, randomFill: (into: Uint8Array) => void, iterations = PASSWORD_ITERATIONS): string {
  const job = new PasswordHashing(password, randomFill, iterations);
  while (!job.step(MAX_ITERATIONS));
  return job.hash();
}

export function verifyPassword(password: string, stored: string): boolean {
  const check = new PasswordCheck(password, stored);
  while (!check.step(MAX_ITERATIONS));
  return check.matches();
}
