// Keeps the kernel's NAT table equal to what the firmware decided: re-applied (one atomic nft
// transaction) when a lease is bound, released or expires, when the WAN or LAN address changes and
// when a live nat.* setting changes. DHCP waits on whenApplied() before an ACK leaves, so a phone
// never holds a block the kernel does not yet route to it.
import type { KernelAddress, KernelNet, NatTable } from '../../hal/hal';
import { SysError } from '../../hal/hal';
import type { LeaseDirectory } from '../dhcp/types';
import type { NapptConfig } from '../nappt/config';
import { buildNatTable, sameNatTable } from './nat-table';

export interface NatProgrammerOptions {
  readonly net: KernelNet;
  readonly leases: LeaseDirectory;
  readonly lan: () => KernelAddress | undefined;
  readonly wan: () => KernelAddress | undefined;
  readonly offload: 'none' | 'software' | 'hardware';
  readonly now: () => number;
  readonly log: { info(text: string): void; error(text: string): void };
}

export class NatProgrammer {
  private policy: NapptConfig;
  private applied: NatTable | undefined;
  private wanted: NatTable | undefined;
  private latest: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Applies done and the last one's time, for `show nat`. */
  applyCount = 0;
  lastApplyMs: number | undefined;
  lastError: string | undefined;

  constructor(
    private readonly options: NatProgrammerOptions,
    policy: NapptConfig,
  ) {
    this.policy = policy;
  }

  /** Live nat.* settings (the pool and the WAN MTU are reload-only: the caller keeps them). */
  setPolicy(policy: NapptConfig): void {
    this.policy = policy;
    this.update();
  }

  currentPolicy(): NapptConfig {
    return this.policy;
  }

  /** The table the kernel holds (or is being given). */
  table(): NatTable | undefined {
    return this.wanted;
  }

  /** Resolves once the kernel holds every change made so far. */
  whenApplied(): Promise<void> {
    return this.latest;
  }

  /** Compute the table again; apply it if it differs from the last one. */
  update(): void {
    if (this.stopped) return;
    const lan = this.options.lan();
    if (lan === undefined) return; // no LAN address yet: nothing to serve, nothing to translate
    const table = buildNatTable({
      leases: this.options.leases.all(),
      lan,
      wan: this.options.wan(),
      policy: this.policy,
      offload: this.options.offload,
      now: this.options.now(),
    });
    if (this.wanted !== undefined && sameNatTable(table, this.wanted)) return;
    this.wanted = table;
    this.latest = this.options.net.applyNat(table).then((result) => {
      if (result.error === SysError.OK) {
        this.applied = table;
        this.applyCount++;
        this.lastApplyMs = result.elapsedMs;
        this.lastError = undefined;
        this.options.log.info(`kernel table: ${table.phones.length} phone block(s), guests ${table.guests ? 'on' : 'off'}, applied in ${result.elapsedMs.toFixed(1)} ms`);
      } else {
        this.lastError = result.message ?? `error ${result.error}`;
        this.options.log.error(`kernel table not applied: ${this.lastError}`);
        // Try again with the next change: the kernel keeps the previous table meanwhile.
        if (this.wanted === table) this.wanted = this.applied;
      }
    });
  }

  /** Remove the table (shutdown): the kernel then forwards nothing for the phones. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.latest;
    await this.options.net.clearNat();
  }
}
