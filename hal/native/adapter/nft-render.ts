// Renders the firmware's declared NAT policy (hal.ts NatTable) as one nftables table of
// Plugboard's own, `inet plugboard`, replaced in a single `nft -f` transaction. Its chains hook in
// just before firewall4's (priority -5), so a firewall4 reload neither flushes nor overrides it.
import type { KernelAddress, NatPhone, NatTable } from '../../hal';
import { BOGON_PREFIXES } from '../../../firmware/nappt/addressClass';
import { ipToString, subnetToString } from '../../../firmware/util/ipv4';
import { macToString } from '../../../firmware/util/mac';

export const TABLE_NAME = 'plugboard';

export interface RenderOptions {
  /** Kernel interface names: the LAN (often a bridge, br-lan) and the WAN (wan, pppoe-wan, eth1). */
  readonly lan: string;
  readonly wan: string;
  /** The flowtable's devices: the LAN bridge's member ports (not the bridge) and the WAN. */
  readonly flowDevices: readonly string[];
}

/** Why a table cannot be rendered (bad ports, overlapping blocks): the firmware's bug, not the kernel's. */
export function checkNatTable(table: NatTable): string | undefined {
  const port = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 65535;
  const spans = [
    ...table.phones.map((p) => ({ first: p.firstPort, last: p.lastPort, what: `phone ${ipToString(p.ip)}` })),
    { first: table.guestPool.firstPort, last: table.guestPool.lastPort, what: 'guest pool' },
  ];
  for (const span of spans)
    if (!port(span.first) || !port(span.last) || span.first > span.last) return `${span.what}: bad port range ${span.first}-${span.last}`;
  const sorted = [...spans].sort((a, b) => a.first - b.first);
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i].first <= sorted[i - 1].last) return `${sorted[i - 1].what} and ${sorted[i].what} overlap`;
  const ips = new Set<number>();
  for (const phone of table.phones) {
    if (phone.mac.length !== 6) return `phone ${ipToString(phone.ip)}: MAC must be 6 bytes`;
    if (ips.has(phone.ip)) return `phone ${ipToString(phone.ip)} listed twice`;
    ips.add(phone.ip);
  }
  if (!Number.isInteger(table.wanMtu) || table.wanMtu < 576 || table.wanMtu > 9000) return `bad WAN MTU ${table.wanMtu}`;
  return undefined;
}

const subnet = (address: KernelAddress): string => subnetToString(address.ip, address.prefixLength);

/** nftables accepts names of letters, digits and a few signs; quote interface names anyway. */
function quoted(name: string): string {
  if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(name)) throw new Error(`interface name '${name}' cannot be rendered`);
  return `"${name}"`;
}

function elements(items: readonly string[]): string {
  return items.length === 0 ? '' : ` elements = { ${items.join(', ')} };`;
}

/** The counters `show nat` reads; phones' per-element counters live in the phone_out/phone_in sets. */
export const DROP_COUNTERS = ['spoofed', 'lan_source_invalid', 'phone_outside_block', 'no_guests', 'wan_bogon', 'wan_to_services'] as const;

function bogonSet(): string {
  const items: string[] = [];
  for (let i = 0; i < BOGON_PREFIXES.length; i += 2) items.push(`${ipToString(BOGON_PREFIXES[i])}/${BOGON_PREFIXES[i + 1]}`);
  return items.join(', ');
}

function phoneRules(phones: readonly NatPhone[], lan: string, wan: string): { snat: string[]; outside: string[] } {
  const snat: string[] = [];
  const outside: string[] = [];
  for (const phone of phones) {
    const ip = ipToString(phone.ip);
    const ports = `${phone.firstPort}-${phone.lastPort}`;
    // The kernel keeps the source port when it lies in the range and is free (nf_nat_core).
    snat.push(`oifname ${wan} ip saddr ${ip} meta l4proto { tcp, udp } th sport ${ports} masquerade to :${ports}`);
    outside.push(`iifname ${lan} oifname ${wan} ip saddr ${ip} meta l4proto { tcp, udp } th sport != ${ports} counter name phone_outside_block drop`);
  }
  return { snat, outside };
}

/** The whole transaction: create-if-missing, delete, create. Atomic: the old table serves until commit. */
export function renderNatTable(table: NatTable, options: RenderOptions): string {
  const problem = checkNatTable(table);
  if (problem !== undefined) throw new Error(problem);
  const lan = quoted(options.lan);
  const wan = quoted(options.wan);
  const lanNet = subnet(table.lan);
  const phones = table.phones;
  const ips = phones.map((p) => ipToString(p.ip));
  const pool = `${table.guestPool.firstPort}-${table.guestPool.lastPort}`;
  const { snat, outside } = phoneRules(phones, lan, wan);
  const offload = table.offload !== 'none' && options.flowDevices.length > 0;
  const mss = table.wanMtu - 40;
  const lines: string[] = [
    `table inet ${TABLE_NAME} {}`,
    `delete table inet ${TABLE_NAME}`,
    `table inet ${TABLE_NAME} {`,
    `  set phone_hosts { type ipv4_addr . ether_addr;${elements(phones.map((p) => `${ipToString(p.ip)} . ${macToString(p.mac)}`))} }`,
    `  set phone_addresses { type ipv4_addr;${elements(ips)} }`,
    `  set phone_out { type ipv4_addr; counter;${elements(ips)} }`,
    `  set phone_in { type ipv4_addr; counter;${elements(ips)} }`,
    `  map phone_by_port { type inet_service : ipv4_addr; flags interval;${elements(phones.map((p) => `${p.firstPort}-${p.lastPort} : ${ipToString(p.ip)}`))} }`,
    `  set bogons { type ipv4_addr; flags interval; elements = { ${bogonSet()} }; }`,
    ...DROP_COUNTERS.map((name) => `  counter ${name} {}`),
    '  counter guests_out {}',
    '  counter guests_in {}',
  ];
  if (offload) {
    const devices = options.flowDevices.map(quoted).join(', ');
    lines.push(`  flowtable ft { hook ingress priority filter; devices = { ${devices} };${table.offload === 'hardware' ? ' flags offload;' : ''} counter; }`);
  }
  lines.push('  chain dstnat {', '    type nat hook prerouting priority dstnat - 5; policy accept;');
  if (table.wan !== undefined && phones.length > 0) {
    // Unsolicited inbound to a block reaches its phone, port unchanged (endpoint-independent).
    const from = table.hairpin ? '' : `iifname ${wan} `;
    lines.push(`    ${from}ip daddr ${ipToString(table.wan.ip)} meta l4proto { tcp, udp } dnat ip to th dport map @phone_by_port`);
  }
  lines.push('  }', '  chain srcnat {', '    type nat hook postrouting priority srcnat - 5; policy accept;');
  lines.push(...snat.map((rule) => `    ${rule}`));
  if (table.hairpin) lines.push(`    oifname ${lan} ip saddr ${lanNet} ct status dnat masquerade`);
  lines.push(`    oifname ${wan} ip saddr ${lanNet} meta l4proto { tcp, udp } masquerade to :${pool}`);
  lines.push(`    oifname ${wan} ip saddr ${lanNet} masquerade`);
  lines.push('  }', '  chain forward {', '    type filter hook forward priority filter - 5; policy accept;');
  lines.push(`    iifname ${lan} ip saddr @phone_addresses ip saddr . ether saddr != @phone_hosts counter name spoofed drop`);
  lines.push(`    iifname ${lan} oifname ${wan} ip saddr != ${lanNet} counter name lan_source_invalid drop`);
  if (table.dropBogons) {
    const except = table.wan !== undefined ? ` ip saddr != ${subnet(table.wan)}` : '';
    lines.push(`    iifname ${wan} ip saddr @bogons${except} counter name wan_bogon drop`);
  }
  if (table.phoneOutsideBlock === 'drop') lines.push(...outside.map((rule) => `    ${rule}`));
  // Mangling and offload do not end the chain; the accepts below do, so they come first. One base
  // chain, not two: every forwarded packet pays for each hook it passes.
  if (table.mssClamp) lines.push(`    oifname ${wan} tcp flags syn / syn,rst tcp option maxseg size > ${mss} tcp option maxseg size set ${mss}`, `    iifname ${wan} tcp flags syn / syn,rst tcp option maxseg size > ${mss} tcp option maxseg size set ${mss}`);
  if (offload) lines.push('    meta l4proto { tcp, udp } flow add @ft');
  lines.push(`    iifname ${lan} oifname ${wan} ip saddr @phone_out accept`);
  lines.push(`    iifname ${wan} oifname ${lan} ip daddr @phone_in accept`);
  lines.push(`    iifname ${lan} oifname ${wan} ${table.guests ? 'counter name guests_out' : 'counter name no_guests drop'}`);
  lines.push(`    iifname ${wan} oifname ${lan} counter name guests_in`);
  lines.push('  }');
  lines.push('  chain input {', '    type filter hook input priority filter - 5; policy accept;');
  lines.push(`    iifname ${wan} udp dport { 67, 69 } counter name wan_to_services drop`);
  lines.push('  }', '}', '');
  return lines.join('\n');
}

/** Removes the table (shutdown); creating it first makes the delete succeed when it is absent. */
export function renderClearTable(): string {
  return `table inet ${TABLE_NAME} {}\ndelete table inet ${TABLE_NAME}\n`;
}
