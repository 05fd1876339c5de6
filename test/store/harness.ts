// Test harness for the store: a simulated flash on a virtual clock, and `drive` to run a promise to
// completion by stepping the scheduler (flash operations only complete when virtual time advances).
import { Scheduler } from '../../hal/sim/scheduler';
import { Rng } from '../../hal/sim/random';
import { SimFlash } from '../../hal/sim/flash';
import type { FlashGeometry } from '../../hal/sim/flash';
import { mountStore, isFailure } from '../../firmware/store';
import type { FlashStore, StoreOptions, ItemStat, StoreFailure } from '../../firmware/store';
import { sha256 } from '@noble/hashes/sha2.js';

export const KiB = 1024;

/** Small geometries keep the torture fast; real parts are 64 KiB NOR sectors and 128 KiB NAND blocks. */
export const SMALL_NOR: FlashGeometry = { kind: 'nor', size: 12 * 64 * KiB, blockSize: 64 * KiB, programUnit: 1 };
export const SMALL_NAND: FlashGeometry = { kind: 'nand', size: 8 * 128 * KiB, blockSize: 128 * KiB, programUnit: 2048 };

export interface Rig {
  scheduler: Scheduler;
  rng: Rng;
  flash: SimFlash;
}

export function rig(geometry: FlashGeometry, seed = 1): Rig {
  const scheduler = new Scheduler();
  const rng = new Rng(seed);
  return { scheduler, rng, flash: new SimFlash(scheduler, rng.fork(), geometry) };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Stalled extends Error {}

/**
 * Runs the scheduler until `promise` settles. Returns undefined (instead of a value) when the flash lost
 * power first: after a cut the flash never answers, so the promise never settles.
 */
export async function drive<T>(scheduler: Scheduler, promise: Promise<T>, flash?: SimFlash): Promise<T | undefined> {
  let settled = false;
  let value: T | undefined;
  let error: unknown;
  promise.then(
    (v) => {
      settled = true;
      value = v;
    },
    (e) => {
      settled = true;
      error = e;
    },
  );
  for (let idle = 0; ; ) {
    await tick();
    if (settled) break;
    if (flash?.powerLost) return undefined;
    if (scheduler.step()) idle = 0;
    else if (++idle > 3) throw new Stalled('deadlock: nothing scheduled and the operation did not finish');
  }
  if (error) throw error;
  return value;
}

export async function mount(r: Rig, options?: StoreOptions): Promise<FlashStore> {
  const clock = { now: () => r.scheduler.now(), wallClock: () => undefined };
  return (await drive(r.scheduler, mountStore(r.flash, clock, options))) as FlashStore;
}

const generated = new Map<string, Uint8Array>();

/** Deterministic test content (cached: workloads are replayed many times). Treat as read-only. */
export function bytesOf(seed: number, length: number): Uint8Array {
  const key = `${seed}:${length}`;
  let out = generated.get(key);
  if (!out) {
    out = new Uint8Array(length);
    new Rng(seed).fill(out);
    if (generated.size > 4096) generated.clear();
    generated.set(key, out);
  }
  return out;
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const digests = new WeakMap<Uint8Array, string>();

export function sha(bytes: Uint8Array): string {
  let digest = digests.get(bytes);
  if (digest === undefined) {
    digest = hex(sha256(bytes));
    digests.set(bytes, digest);
  }
  return digest;
}

/** Streams `data` into the store in chunks of `piece` bytes; returns the stat or the failure. */
export async function putAll(store: FlashStore, name: string, data: Uint8Array, piece = 1468, expected = true): Promise<ItemStat | StoreFailure> {
  const writer = await store.put(name, expected ? data.length : undefined);
  if (isFailure(writer)) return writer;
  for (let at = 0; at < data.length; at += piece) {
    const failed = await writer.write(data.subarray(at, Math.min(data.length, at + piece)));
    if (failed) return failed;
  }
  return writer.commit();
}

/** Reads a whole item back through a reader, in pieces of `piece` bytes. */
export async function readAll(store: FlashStore, name: string, piece = 1468): Promise<Uint8Array | StoreFailure> {
  const reader = store.open(name);
  if (isFailure(reader)) return reader;
  try {
    const out = new Uint8Array(reader.stat.size);
    for (let at = 0; at < out.length; ) {
      const got = await reader.read(at, out.subarray(at, Math.min(out.length, at + piece)));
      if (isFailure(got)) return got;
      if (got === 0) break;
      at += got;
    }
    return out;
  } finally {
    reader.close();
  }
}
