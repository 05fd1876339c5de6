// The running configuration: accepts a candidate only when it validates, tells listeners what
// changed so live keys apply at once, and tracks what needs a reload or is not yet saved.
import { keyDef } from './schema';
import { changedKeys, configEquals, type RouterConfig } from './model';
import { errorsOf, validateConfig, type ConfigProblem } from './validate';
import { saveConfig } from './persist';
import type { Store, StoreFailure } from '../store/types';

export type ConfigListener = (config: RouterConfig, changed: readonly string[]) => void;

export type ProposeResult =
  | { readonly ok: true; readonly warnings: readonly ConfigProblem[]; readonly changed: readonly string[]; readonly needReload: readonly string[] }
  | { readonly ok: false; readonly errors: readonly ConfigProblem[] };

export class LiveConfig {
  private config: RouterConfig;
  /** What the services were started with: reload-only keys that differ need a reload. */
  private booted: RouterConfig;
  private saved: RouterConfig;
  private listeners: ConfigListener[] = [];

  constructor(initial: RouterConfig, savedOnFlash: RouterConfig = initial) {
    this.config = initial;
    this.booted = initial;
    this.saved = savedOnFlash;
  }

  get current(): RouterConfig {
    return this.config;
  }

  /**
   * Boot only: the configuration loaded from flash becomes the running, booted and saved one at
   * once (listeners hear what changed). It was validated when saved; problems found now are returned.
   */
  adopt(loaded: RouterConfig): ConfigProblem[] {
    const changed = changedKeys(this.config, loaded);
    this.config = loaded;
    this.booted = loaded;
    this.saved = loaded;
    if (changed.length > 0) for (const listener of this.listeners) listener(loaded, changed);
    return validateConfig(loaded);
  }

  /** Validate and, if there is no error, make `candidate` the running configuration. */
  propose(candidate: RouterConfig): ProposeResult {
    const problems = validateConfig(candidate);
    const errors = errorsOf(problems);
    if (errors.length > 0) return { ok: false, errors };
    const changed = changedKeys(this.config, candidate);
    this.config = candidate;
    if (changed.length > 0) for (const listener of this.listeners) listener(candidate, changed);
    return { ok: true, warnings: problems.filter((p) => p.severity === 'warning'), changed, needReload: this.needReload() };
  }

  /** Keys changed since boot that only take effect after a reload. */
  needReload(): string[] {
    return changedKeys(this.booted, this.config).filter((key) => keyDef(key)?.apply === 'reload');
  }

  unsaved(): boolean {
    return !configEquals(this.saved, this.config);
  }

  subscribe(listener: ConfigListener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  async save(store: Store): Promise<StoreFailure | undefined> {
    const snapshot = this.config;
    const failure = await saveConfig(store, snapshot);
    if (!failure) this.saved = snapshot;
    return failure;
  }
}
