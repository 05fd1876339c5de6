// The power-cut campaign's workload, shaped like a router's life: phone images (small and spanning
// several erase blocks) put, replaced and deleted, the configuration saved (real encodeConfig bytes)
// and lease shards written (real encodeShard bytes), over a store kept at least 80% full.
import { Rng } from '../../../hal/sim/random';
import { DEFAULT_CONFIG, encodeConfig, withValue } from '../../../firmware/config';
import { encodeShard, shardKey, type BindingRecord } from '../../../firmware/dhcp/lease-record';
import type { FlashStore } from '../../../firmware/store';
import { apply as applyStoreOp, type InFlight, type Model, type Op as StoreOp } from '../../store/workload';

export type Op = StoreOp | { kind: 'save'; key: string; value: Uint8Array; what: 'config' | 'leases' };

export interface Shape {
  readonly ops: number;
  /** Largest image in bytes (several erase blocks for multi-block puts). */
  readonly maxImage: number;
}

const IMAGE_NAMES = ['yealink/t46s.rom', 'yealink/t54w.rom', 'snom/d785.bin', 'cfg/805ec0000001.cfg'];

function configBytes(rng: Rng): Uint8Array {
  let config = withValue(DEFAULT_CONFIG, 'hostname', `office-${rng.int(1000)}`);
  config = withValue(config, 'dhcp.lease-time', 60 + rng.int(86_400));
  return encodeConfig(config);
}

function leaseBytes(rng: Rng, shard: number): Uint8Array {
  const entries: BindingRecord[] = [];
  for (let i = rng.int(40); i > 0; i--) {
    const mac = Uint8Array.from([0x80, 0x5e, 0xc0, rng.int(256), rng.int(256), rng.int(256)]);
    entries.push({ slot: entries.length, key: `01${Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('')}`, mac, ip: 0xc0a80164 + rng.int(150), phoneClass: rng.chance(0.7) ? 'yealink' : undefined, psidLength: 6, psid: rng.int(64), released: rng.chance(0.1) });
  }
  return encodeShard(shard, entries);
}

/** A segment of `shape.ops` operations; images are small (a config file) or span several blocks. */
export function makeOps(seed: number, shape: Shape): Op[] {
  const rng = new Rng(seed);
  const ops: Op[] = [];
  for (let i = 0; i < shape.ops; i++) {
    const roll = rng.int(10);
    if (roll < 4) {
      const size = rng.chance(0.4) ? 1 + rng.int(3000) : 3000 + rng.int(shape.maxImage - 3000);
      ops.push({ kind: 'put', name: IMAGE_NAMES[rng.int(IMAGE_NAMES.length)], size, seed: rng.nextU32(), piece: [512, 1468, 8192][rng.int(3)] });
    } else if (roll < 5) {
      ops.push({ kind: 'remove', name: IMAGE_NAMES[rng.int(IMAGE_NAMES.length)] });
    } else if (roll < 7) {
      ops.push({ kind: 'save', key: 'config', value: configBytes(rng), what: 'config' });
    } else {
      const shard = rng.int(4);
      ops.push({ kind: 'save', key: shardKey(shard), value: leaseBytes(rng, shard), what: 'leases' });
    }
  }
  return ops;
}

/** Runs one op against the store and the model (records under their real keys). */
export async function apply(store: FlashStore, model: Model, op: Op, inflight: { current?: InFlight }): Promise<boolean> {
  if (op.kind !== 'save') return applyStoreOp(store, model, op, inflight);
  inflight.current = { space: 'record', name: op.key, after: op.value };
  const result = await store.setRecord(op.key, op.value);
  inflight.current = undefined;
  if (result) {
    if (result.error !== -28) throw new Error(`setRecord ${op.key} failed: ${result.message}`);
    return false;
  }
  model.records.set(op.key, op.value);
  return true;
}
