// The console password, kept only as a salted PBKDF2-HMAC-SHA256 hash. The count is set for ~100 ms
// per login on the slowest target class (MT7621: MIPS 1004Kc at 880 MHz, no FPU). Measured with the
// native runtime (QuickJS 2021-03-27, -O2) on Pbkdf2Work: 0.084 ms per iteration on an x86-64 EPYC
// core; the mipsel build under qemu-user executes ~1.7 M instructions per iteration (about 14 k of
// them floating point: QuickJS boxes int32 sums that overflow as doubles, emulated on that core).
// At 1.5-2 cycles per instruction plus soft-float that is ~3-5 ms per iteration there, so 32
// iterations cost ~100-160 ms (3 ms on x86). The old 512 took ~1.5-2.5 s per login on MT7621.
// The growing delay after wrong attempts, not the count, is what stops guessing at the console; the
// count only slows an offline attack on a leaked hash. The work runs in slices (Pbkdf2Work.step)
// between which the reactor keeps forwarding.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeUtf8 } from '../util/text';
import { bytesToHex, hexToBytes } from '../util/hex';
import type { ValueType } from './valueTypes';

export const PASSWORD_ITERATIONS = 32;
/** Iterations per slice: under 10 ms on MT7621, so forwarding never stalls longer than that. */
export const ITERATIONS_PER_STEP = 2;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const PREFIX = 'pbkdf2-sha256';
/** A pasted hash may cost more, up to ~15-20 s per login on MT7621 (older hashes used 512). */
const MAX_ITERATIONS = 4096;
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
