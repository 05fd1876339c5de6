// Boot: load the saved configuration from the mounted store into the running one, and say where it
// came from (for the log and `show status`). A missing or damaged record boots the defaults.
import type { Store } from '../store/types';
import type { LiveConfig } from './live';
import { loadConfig } from './persist';
import { errorsOf } from './validate';
import { DEFAULT_CONFIG } from './model';

export interface BootConfigLog {
  info(source: string, text: string): void;
  warn(source: string, text: string): void;
  error(source: string, text: string): void;
}

/** Returns a one-line description of the configuration now running. */
export async function loadBootConfig(live: LiveConfig, store: Store, log: BootConfigLog): Promise<string> {
  const outcome = await loadConfig(store);
  if (outcome.status === 'no-record') {
    log.info('config', 'no saved configuration: running the defaults');
    return 'factory defaults (never saved)';
  }
  if (outcome.status === 'unreadable') {
    log.error('config', `saved configuration unreadable (${outcome.reason}): running the defaults; 'save' replaces it`);
    return `factory defaults (saved one unreadable: ${outcome.reason})`;
  }
  const problems = errorsOf(live.adopt(outcome.config));
  for (const key of outcome.skipped) log.warn('config', `saved entry '${key}' no longer fits and was skipped`);
  if (problems.length > 0) {
    // Saved by an older firmware with looser rules: refuse it whole rather than run half of it.
    for (const p of problems) log.error('config', `saved configuration refused: ${p.key}: ${p.message}`);
    live.adopt(DEFAULT_CONFIG);
    return 'factory defaults (saved one breaks the rules; see show log)';
  }
  const migrated = outcome.fromVersion !== undefined && outcome.fromVersion < 2 ? ` (migrated from format ${outcome.fromVersion})` : '';
  log.info('config', `saved configuration loaded${migrated}`);
  return `loaded from flash${migrated}`;
}
