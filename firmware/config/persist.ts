// Saving and loading the configuration through the store's atomic records: a cut during `save`
// leaves the previous record in force because setRecord replaces it in one commit.
import { isFailure, type Store, type StoreFailure } from '../store/types';
import { CONFIG_RECORD_KEY, decodeConfig, encodeConfig, type RecordError } from './record';
import { DEFAULT_CONFIG, type RouterConfig } from './model';

export async function saveConfig(store: Store, config: RouterConfig): Promise<StoreFailure | undefined> {
  return store.setRecord(CONFIG_RECORD_KEY, encodeConfig(config));
}

export type LoadOutcome =
  | { readonly status: 'loaded'; readonly config: RouterConfig; readonly fromVersion: number; readonly skipped: readonly string[] }
  | { readonly status: 'no-record'; readonly config: RouterConfig }
  | { readonly status: 'unreadable'; readonly config: RouterConfig; readonly reason: RecordError | string };

/** Never fails: an absent or damaged record boots the defaults and says why. */
export async function loadConfig(store: Store): Promise<LoadOutcome> {
  const record = await store.getRecord(CONFIG_RECORD_KEY);
  if (record === undefined) return { status: 'no-record', config: DEFAULT_CONFIG };
  if (isFailure(record)) return { status: 'unreadable', config: DEFAULT_CONFIG, reason: record.message };
  const decoded = decodeConfig(record);
  if (typeof decoded === 'string') return { status: 'unreadable', config: DEFAULT_CONFIG, reason: decoded };
  return { status: 'loaded', config: decoded.config, fromVersion: decoded.fromVersion, skipped: decoded.skipped };
}
