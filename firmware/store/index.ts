// The flash store: a power-loss-safe, wear-levelled log of items (phone images), keyed records (config,
// lease database) and removals on a raw NOR or NAND partition. See FORMAT.md and DESIGN.md.
import type { Flash } from '../../hal/hal';
import { scanFlash } from './mount';
import { FlashStore } from './store';
import type { StoreClock, StoreOptions } from './store';

export type { ItemReader, ItemStat, ItemWriter, Store, StoreFailure, StoreUsage } from './types';
export { isFailure } from './types';
export { FlashStore, MAX_RECORD_VALUE } from './store';
export type { StoreClock, StoreOptions, StoreStats } from './store';
export type { MountReport } from './mount';
export { crc32 } from '../util/crc32';
export { CHUNK_SIZE, FORMAT_VERSION, MAX_NAME_BYTES } from './format';

/**
 * Mounts the store on a flash partition: scans every block, rebuilds the index, discards anything
 * not committed, and starts background erasing of junk blocks. A damaged medium still mounts: intact
 * items are served and `damage()` lists what was lost.
 */
export async function mountStore(flash: Flash, clock: StoreClock, options?: StoreOptions): Promise<FlashStore> {
  const mounted = await scanFlash(flash);
  const store = new FlashStore(flash, clock, mounted, options);
  store.kickCollector();
  return store;
}
