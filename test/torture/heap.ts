// Heap in use after a full garbage collection, so growth figures measure what is kept, not garbage.
import * as v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

export function heapAfterGc(): number {
  collect();
  return process.memoryUsage().heapUsed;
}

export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
