// What each LAN client fetched or uploaded lately, for `show phones`: the last transfer of each
// name, with when it ended and how. Bounded by clients and by names per client, so a scanning
// host cannot grow it.
import type { TransferEnd } from './readTransfer';

export interface TransferRecord {
  readonly kind: 'read' | 'write';
  readonly name: string;
  readonly startedAt: number;
  /** Monotonic ms at which it ended; undefined while it runs. */
  readonly endedAt: number | undefined;
  /** How it ended ('complete' for a committed upload); undefined while it runs. */
  readonly outcome: TransferEnd | undefined;
  readonly bytes: number;
  readonly size: number | undefined;
  /** The MAC whose lease held the client address then (a later holder of the address is not it). */
  readonly mac: string | undefined;
}

export class TransferHistory {
  /** By client address; Map order is the order clients were last seen (oldest first). */
  private readonly byClient = new Map<number, TransferRecord[]>();

  constructor(
    private readonly namesPerClient = 4,
    private readonly maxClients = 1024,
  ) {}

  /** Note a finished transfer; it replaces the client's earlier record of the same name and kind. */
  record(client: number, record: TransferRecord): void {
    const earlier = this.byClient.get(client) ?? [];
    const kept = earlier.filter((r) => r.name !== record.name || r.kind !== record.kind);
    kept.unshift(record);
    if (kept.length > this.namesPerClient) kept.length = this.namesPerClient;
    this.byClient.delete(client);
    this.byClient.set(client, kept);
    if (this.byClient.size > this.maxClients) this.byClient.delete(this.byClient.keys().next().value as number);
  }

  /** The client's finished transfers, newest first. */
  of(client: number): readonly TransferRecord[] {
    return this.byClient.get(client) ?? [];
  }
}
