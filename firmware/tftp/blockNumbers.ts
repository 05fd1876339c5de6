// 16-bit block numbers over 32-bit sequence numbers. Past 65535 the wire number rolls over to 0
// (what most clients expect) or to 1 (older clients; the tftp-hpa `rollover` option), protocols.md T10.

export type RolloverTo = 0 | 1;

/** The wire block number of sequence number `seq` (seq 0 is the OACK/ACK 0 slot). */
export function wireBlock(seq: number, rolloverTo: RolloverTo): number {
  if (rolloverTo === 0) return seq & 0xffff;
  return seq === 0 ? 0 : ((seq - 1) % 0xffff) + 1;
}

/**
 * The sequence number s in (base, base + span] whose wire number is `wire`; 0 means it is `base`
 * itself (a duplicate); -1 means none in range (stale or from the future).
 */
export function seqDelta(wire: number, base: number, span: number, rolloverTo: RolloverTo): number {
  let delta: number;
  if (rolloverTo === 0) delta = (wire - (base & 0xffff)) & 0xffff;
  else if (wire === 0) delta = base === 0 ? 0 : -1; // wire 0 only ever names seq 0
  else if (base === 0) delta = wire;
  else delta = (wire - 1 - ((base - 1) % 0xffff) + 0xffff) % 0xffff;
  return delta <= span ? delta : -1;
}
