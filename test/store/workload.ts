// A deterministic store workload (puts, replacements, removals, record updates) and the in-memory model
// it is checked against. Used by the power-cut torture, the property test and the wear test.
import { Rng } from '../../hal/sim/random';
import { isFailure } from '../../firmware/store';
import type { FlashStore } from '../../firmware/store';
import { bytesOf, hex, putAll, readAll, sha } from './harness';

export type Op =
  | { kind: 'put'; name: string; size: number; seed: number; piece: number }
  | { kind: 'remove'; name: string }
  | { kind: 'record'; key: string; size: number; seed: number };

export interface WorkloadShape {
  readonly ops: number;
  readonly names: number;
  readonly keys: number;
  readonly minSize: number;
  readonly maxSize: number;
  readonly maxRecord: number;
  /** Relative weights of puts, removals and record updates (default 5:1:4). */
  readonly mix?: readonly [number, number, number];
}

export function makeWorkload(seed: number, shape: WorkloadShape): Op[] {
  const rng = new Rng(seed);
  const ops: Op[] = [];
  for (let i = 0; i < shape.ops; i++) {
    const [puts, removes, records] = shape.mix ?? [5, 1, 4];
    const roll = rng.int(puts + removes + records);
    if (roll < puts) {
      const size = shape.minSize + rng.int(shape.maxSize - shape.minSize + 1);
      ops.push({ kind: 'put', name: `images/phone-${rng.int(shape.names)}.bin`, size, seed: rng.nextU32(), piece: [512, 1468, 4096, 8192][rng.int(4)] });
    } else if (roll < puts + removes) {
      ops.push({ kind: 'remove', name: `images/phone-${rng.int(shape.names)}.bin` });
    } else {
      ops.push({ kind: 'record', key: ['config', 'leases', `mac/00:11:22:${rng.int(shape.keys)}`][rng.int(3)], size: rng.int(shape.maxRecord + 1), seed: rng.nextU32() });
    }
  }
  return ops;
}

/** What the store must show: committed items and records (name -> bytes). */
export class Model {
  readonly items = new Map<string, Uint8Array>();
  readonly records = new Map<string, Uint8Array>();

  clone(): Model {
    const m = new Model();
    for (const [k, v] of this.items) m.items.set(k, v);
    for (const [k, v] of this.records) m.records.set(k, v);
    return m;
  }
}

/** The operation running when power was cut: after the cut either its old or its new state is allowed. */
export interface InFlight {
  readonly space: 'item' | 'record';
  readonly name: string;
  readonly after: Uint8Array | undefined;
}

/** Runs one op against the store and the model. Returns false when the store refused it (no space). */
export async function apply(store: FlashStore, model: Model, op: Op, inflight: { current?: InFlight }): Promise<boolean> {
  if (op.kind === 'put') {
    const data = bytesOf(op.seed, op.size);
    inflight.current = { space: 'item', name: op.name, after: data };
    const stat = await putAll(store, op.name, data, op.piece);
    inflight.current = undefined;
    if (isFailure(stat)) {
      if (stat.error !== -28) throw new Error(`put ${op.name} failed: ${stat.message}`);
      return false;
    }
    model.items.set(op.name, data);
    return true;
  }
  if (op.kind === 'remove') {
    inflight.current = { space: 'item', name: op.name, after: undefined };
    const result = await store.remove(op.name);
    inflight.current = undefined;
    if (result && result.error !== -2) throw new Error(`remove ${op.name} failed: ${result.message}`);
    if (!result !== model.items.has(op.name)) throw new Error(`remove ${op.name}: store and model disagree on existence`);
    model.items.delete(op.name);
    return true;
  }
  const value = bytesOf(op.seed, op.size);
  inflight.current = { space: 'record', name: op.key, after: value };
  const result = await store.setRecord(op.key, value);
  inflight.current = undefined;
  if (result) {
    if (result.error !== -28) throw new Error(`setRecord ${op.key} failed: ${result.message}`);
    return false;
  }
  model.records.set(op.key, value);
  return true;
}

/** Compares the store with the model; the in-flight name may show its old or new state. Returns problems. */
export async function verify(store: FlashStore, model: Model, inflight?: InFlight): Promise<string[]> {
  const problems: string[] = [];
  const allowed = (space: 'item' | 'record', name: string, had: Uint8Array | undefined): Array<Uint8Array | undefined> =>
    inflight && inflight.space === space && inflight.name === name ? [had, inflight.after] : [had];
  const names = new Set<string>([...model.items.keys(), ...store.list().map((s) => s.name)]);
  if (inflight?.space === 'item') names.add(inflight.name);
  for (const name of names) {
    const options = allowed('item', name, model.items.get(name));
    const stat = store.stat(name);
    if (!stat) {
      if (!options.includes(undefined)) problems.push(`item ${name} is missing`);
      continue;
    }
    const got = await readAll(store, name);
    if (isFailure(got)) {
      problems.push(`item ${name}: ${got.message}`);
      continue;
    }
    // Byte-exact against the model, and the stored SHA-256 against the model's digest.
    const match = options.find((o) => o !== undefined && sameBytes(o, got));
    if (!match) problems.push(`item ${name}: content (${got.length} bytes) matches neither the old nor the new version`);
    else if (hex(stat.sha256) !== sha(match)) problems.push(`item ${name}: stat SHA-256 differs from content`);
    if (stat.size !== got.length) problems.push(`item ${name}: stat size differs`);
  }
  const keys = new Set<string>(model.records.keys());
  if (inflight?.space === 'record') keys.add(inflight.name);
  for (const key of keys) {
    const options = allowed('record', key, model.records.get(key));
    const got = await store.getRecord(key);
    if (isFailure(got)) {
      problems.push(`record ${key}: ${got.message}`);
      continue;
    }
    if (got === undefined) {
      if (!options.includes(undefined)) problems.push(`record ${key} is missing`);
      continue;
    }
    if (!options.some((o) => o !== undefined && sameBytes(o, got))) problems.push(`record ${key}: value matches neither old nor new`);
  }
  problems.push(...store.audit());
  const damage = store.damage();
  if (damage.length > 0) problems.push(`damage reported after a clean power cut: ${damage.join('; ')}`);
  return problems;
}

/** Checks only the named items and records against the model (plus the index audit). */
export async function verifyNames(store: FlashStore, model: Model, items: string[], records: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const name of items) {
    const want = model.items.get(name);
    const got = store.stat(name) ? await readAll(store, name) : undefined;
    if (isFailure(got)) problems.push(`item ${name}: ${got.message}`);
    else if ((got === undefined) !== (want === undefined) || (got && want && !sameBytes(got, want))) problems.push(`item ${name} differs from the model`);
  }
  for (const key of records) {
    const want = model.records.get(key);
    const got = await store.getRecord(key);
    if (isFailure(got)) problems.push(`record ${key}: ${got.message}`);
    else if ((got === undefined) !== (want === undefined) || (got && want && !sameBytes(got, want))) problems.push(`record ${key} differs from the model`);
  }
  problems.push(...store.audit());
  return problems;
}

/** After a cut the in-flight op took effect or not: settle the model on what the store now shows. */
export async function settleModel(store: FlashStore, model: Model, inflight: InFlight | undefined): Promise<void> {
  if (!inflight) return;
  const target = inflight.space === 'item' ? model.items : model.records;
  let now: Uint8Array | undefined;
  if (inflight.space === 'item') {
    const got = store.stat(inflight.name) ? await readAll(store, inflight.name) : undefined;
    now = got && !isFailure(got) ? got : undefined;
  } else {
    const got = await store.getRecord(inflight.name);
    now = got && !isFailure(got) ? got : undefined;
  }
  if (now === undefined) target.delete(inflight.name);
  else if (inflight.after && sameBytes(now, inflight.after)) target.set(inflight.name, inflight.after);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
