// Reads back what the kernel counted for Plugboard's table (`nft -j list table inet plugboard`) and
// how many flows it tracks per phone (/proc/net/nf_conntrack), for `show nat`.
import type { NatCounters } from '../../hal';
import { DROP_COUNTERS } from './nft-render';
import { parseIp, sameSubnet } from '../../../firmware/util/ipv4';

export interface RawCounter {
  readonly packets: number;
  readonly bytes: number;
}

/** Named counters and the per-element counters of the phone_out/phone_in sets, keyed by name / address. */
export interface ParsedCounters {
  readonly named: Map<string, RawCounter>;
  readonly phoneOut: Map<number, RawCounter>;
  readonly phoneIn: Map<number, RawCounter>;
}


const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

const asCounter = (value: unknown): RawCounter | undefined => {
  const record = asRecord(value);
  return record && typeof record.packets === 'number' && typeof record.bytes === 'number'
    ? { packets: record.packets, bytes: record.bytes }
    : undefined;
};

/** Parses nft's JSON; anything unexpected is skipped (an older nft may differ in detail). */
export function parseNftCounters(json: string): ParsedCounters | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  const list = asRecord(value)?.nftables;
  if (!Array.isArray(list)) return undefined;
  const result: ParsedCounters = { named: new Map(), phoneOut: new Map(), phoneIn: new Map() };
  for (const item of list) {
    const counter = asRecord(asRecord(item)?.counter);
    if (counter && typeof counter.name === 'string') {
      const parsed = asCounter(counter);
      if (parsed) result.named.set(counter.name, parsed);
      continue;
    }
    const set = asRecord(asRecord(item)?.set);
    const target = set?.name === 'phone_out' ? result.phoneOut : set?.name === 'phone_in' ? result.phoneIn : undefined;
    if (!set || !target || !Array.isArray(set.elem)) continue;
    for (const entry of set.elem) {
      const elem = asRecord(asRecord(entry)?.elem);
      const ip = typeof elem?.val === 'string' ? parseIp(elem.val) : undefined;
      const parsed = asCounter(elem?.counter);
      if (ip !== undefined && parsed) target.set(ip, parsed);
    }
  }
  return result;
}

/** Flows per phone address, and flows of other LAN hosts, from /proc/net/nf_conntrack's lines. */
export function countFlows(conntrack: string, phones: ReadonlySet<number>, lan: { ip: number; prefixLength: number }): { perPhone: Map<number, number>; guests: number } {
  const perPhone = new Map<number, number>();
  let guests = 0;
  const inLan = (ip: number): boolean => sameSubnet(ip, lan.ip, lan.prefixLength);
  for (const line of conntrack.split('\n')) {
    if (!line.startsWith('ipv4')) continue;
    // The original direction's source, then the reply direction's source (a phone reached by DNAT).
    const sources = [...line.matchAll(/ src=(\d+\.\d+\.\d+\.\d+)/g)].map((m) => parseIp(m[1]));
    const phone = sources.find((ip) => ip !== undefined && phones.has(ip));
    if (phone !== undefined) perPhone.set(phone, (perPhone.get(phone) ?? 0) + 1);
    else if (sources[0] !== undefined && inLan(sources[0]) && sources[1] !== undefined && !inLan(sources[1])) guests++;
  }
  return { perPhone, guests };
}

/** The HAL's NatCounters from the kernel's figures plus what earlier tables had counted. */
export function natCountersFrom(current: ParsedCounters, carried: ParsedCounters, flows: ReturnType<typeof countFlows>): NatCounters {
  const sum = (a: RawCounter | undefined, b: RawCounter | undefined): RawCounter => ({
    packets: (a?.packets ?? 0) + (b?.packets ?? 0),
    bytes: (a?.bytes ?? 0) + (b?.bytes ?? 0),
  });
  const named = (name: string): RawCounter => sum(current.named.get(name), carried.named.get(name));
  const phones = [...current.phoneOut.keys()].map((ip) => {
    const out = sum(current.phoneOut.get(ip), carried.phoneOut.get(ip));
    const inbound = sum(current.phoneIn.get(ip), carried.phoneIn.get(ip));
    return { ip, outPackets: out.packets, outBytes: out.bytes, inPackets: inbound.packets, inBytes: inbound.bytes, flows: flows.perPhone.get(ip) ?? 0 };
  });
  const guestsOut = named('guests_out');
  const drops: Record<string, number> = {};
  for (const name of DROP_COUNTERS) drops[name.replace(/_/g, '-')] = named(name).packets;
  return { phones, guests: { outPackets: guestsOut.packets, outBytes: guestsOut.bytes, flows: flows.guests }, drops };
}

/** `into` plus `add`, per key (the counters of a table about to be replaced). */
export function accumulate(into: ParsedCounters, add: ParsedCounters): ParsedCounters {
  const merge = <K>(a: Map<K, RawCounter>, b: Map<K, RawCounter>): Map<K, RawCounter> => {
    const out = new Map(a);
    for (const [key, value] of b) {
      const old = out.get(key);
      out.set(key, { packets: (old?.packets ?? 0) + value.packets, bytes: (old?.bytes ?? 0) + value.bytes });
    }
    return out;
  };
  return { named: merge(into.named, add.named), phoneOut: merge(into.phoneOut, add.phoneOut), phoneIn: merge(into.phoneIn, add.phoneIn) };
}

export const emptyCounters = (): ParsedCounters => ({ named: new Map(), phoneOut: new Map(), phoneIn: new Map() });
