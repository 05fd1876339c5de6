// Structure-aware mutation of JSON documents (board files, the configuration's body): replace a
// value somewhere in the tree with an edge value of another type, delete or add a key, nest deeply.
import type { Rng } from '../../../hal/sim/random';

const EDGE_VALUES: unknown[] = [null, true, 0, -1, 1.5, 2 ** 53, -(2 ** 31), 1e308, '', 'x'.repeat(5000), '../../etc', '\u0000', 'ü', [], {}, [[[]]], { a: 1 }];

type Json = unknown;

function containers(value: Json, out: (Record<string, Json> | Json[])[], depth = 0): void {
  if (depth > 20 || value === null || typeof value !== 'object') return;
  out.push(value as Record<string, Json> | Json[]);
  for (const child of Object.values(value as object)) containers(child, out, depth + 1);
}

/** A mutated deep copy of `doc`. */
export function mutateJson(doc: Json, rng: Rng): Json {
  const copy = JSON.parse(JSON.stringify(doc)) as Json;
  const all: (Record<string, Json> | Json[])[] = [];
  containers(copy, all);
  if (all.length === 0) return EDGE_VALUES[rng.int(EDGE_VALUES.length)];
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const target = all[rng.int(all.length)];
    const keys = Object.keys(target);
    const roll = rng.int(6);
    if (roll === 0 && keys.length > 0 && !Array.isArray(target)) delete (target as Record<string, Json>)[keys[rng.int(keys.length)]];
    else if (roll === 1 && !Array.isArray(target)) (target as Record<string, Json>)[rng.chance(0.5) ? 'unknownKey' : '__proto__x'] = EDGE_VALUES[rng.int(EDGE_VALUES.length)];
    else if (roll === 2 && Array.isArray(target)) for (let k = rng.int(300); k > 0; k--) target.push(target[0] ?? 0);
    else if (roll === 3) {
      let deep: Json = 1;
      for (let d = rng.int(200); d > 0; d--) deep = [deep];
      if (keys.length > 0) (target as Record<string, Json>)[keys[rng.int(keys.length)]] = deep;
    } else if (keys.length > 0) (target as Record<string, Json>)[keys[rng.int(keys.length)]] = EDGE_VALUES[rng.int(EDGE_VALUES.length)];
  }
  return copy;
}
