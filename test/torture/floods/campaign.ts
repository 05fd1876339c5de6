// Floods on the whole simulated office: while eight phones plug in one a second and go through
// DHCP, TFTP and into a call, one attacker floods the router (100,000 frames each in the full form).
// Every phone must end up calling with its RTP coming back, the firmware must log no error, the
// tables stay bounded, and the heap growth over the flood is reported.
import { TortureFailure, type Campaign, type Figure } from '../campaign';
import { heapAfterGc, mib } from '../heap';
import { officeBed, rtpBack, running, type OfficeBed } from '../office';
import { arpFlood, consoleFlood, dhcpDiscoverFlood, fragmentFlood, guestFlowFlood, tftpRequestFlood, type Attack } from './attacks';

const PHONES = 8;

interface Flood {
  readonly name: string;
  readonly what: string;
  readonly start: (bed: OfficeBed, total: number, seed: number) => Attack | Promise<Attack>;
  readonly full: number;
  readonly quick: number;
}

const FLOODS: readonly Flood[] = [
  { name: 'dhcp', what: 'DHCPDISCOVERs from random MACs', start: dhcpDiscoverFlood, full: 100_000, quick: 2_000 },
  { name: 'guest-flows', what: 'new UDP flows from one guest', start: guestFlowFlood, full: 100_000, quick: 2_000 },
  { name: 'arp', what: 'ARP requests and replies from random MACs', start: arpFlood, full: 100_000, quick: 2_000 },
  { name: 'fragments', what: 'fragments that never complete, LAN and WAN', start: fragmentFlood, full: 100_000, quick: 2_000 },
  { name: 'tftp', what: 'TFTP read requests never acknowledged', start: tftpRequestFlood, full: 100_000, quick: 2_000 },
  { name: 'console', what: 'bytes of noise typed at the console', start: consoleFlood, full: 1 << 20, quick: 16 << 10 },
];

/** The same office for the same time without an attacker: the heap it keeps is the yardstick. */
async function baselineHeap(seed: number, ms: number): Promise<number> {
  const bed = await officeBed(seed, PHONES, 1000);
  const before = heapAfterGc();
  await bed.run(ms + 5_000);
  return heapAfterGc() - before;
}

async function runFlood(flood: Flood, total: number, seed: number): Promise<Figure[]> {
  const bed = await officeBed(seed, PHONES, 1000);
  const heapBefore = heapAfterGc();
  const attack = await flood.start(bed, total, seed);
  // The flood, then long enough for a phone that plugged in last to boot and call for a while.
  const runMs = Math.max(attack.durationMs, PHONES * 1000) + 30_000;
  await bed.run(runMs);
  const phones = bed.office.phones;
  const rtpBefore = rtpBack(phones);
  await bed.run(5_000);
  const rtpAfter = rtpBack(phones);
  const { figures, problems } = attack.finish();
  // The console still answers a command after the noise.
  bed.output();
  bed.bed.board.console.type('\x03show version\r');
  await bed.run(2_000);
  const answer = bed.output();
  const heapGrowth = heapAfterGc() - heapBefore;
  const baseline = await baselineHeap(seed, runMs);
  const sent = phones.reduce((s, p) => s + p.stats.rtpSent, 0);
  if (running(phones) !== PHONES) problems.push(`only ${running(phones)} of ${PHONES} phones are calling: ${phones.map((p) => p.describe()).join('; ')}`);
  if (rtpAfter === rtpBefore) problems.push('no RTP came back in the last 5 s');
  if (rtpBack(phones) < 0.98 * sent) problems.push(`only ${rtpBack(phones)} of ${sent} RTP packets came back`);
  if (bed.errors().length > 0) problems.push(`the firmware logged errors: ${bed.errors().slice(0, 3).join(' | ')}`);
  if (!/Plugboard firmware \d/.test(answer)) problems.push(`the console did not answer 'show version' after the flood: ${JSON.stringify(answer.slice(-300))}`);
  // Bounded: whatever the flood leaves behind must be small beside what the office itself holds.
  if (heapGrowth > baseline + 32 * 1048576) problems.push(`the heap grew ${mib(heapGrowth)} over the flood, ${mib(baseline)} without it`);
  if (problems.length > 0) throw new TortureFailure(`${flood.name} flood: ${problems.join('; ')}`, flood.name);
  return [
    { what: `${flood.name}: ${total.toLocaleString('en')} ${flood.what}; phones calling, RTP back / sent, heap growth (without the flood)`, value: `${running(phones)}/${PHONES}, ${(rtpBack(phones) / sent).toFixed(4)}, ${mib(heapGrowth)} (${mib(baseline)})` },
    ...Object.entries(figures).map(([what, value]) => ({ what: `${flood.name}: ${what}`, value })),
  ];
}

export const floodsCampaign: Campaign = {
  name: 'floods',
  describe: 'DHCP, guest-flow, ARP, fragment, TFTP and console floods while phones arrive and call',
  async run(context) {
    const figures: Figure[] = [];
    for (const flood of FLOODS) {
      if (context.only && context.only !== flood.name) continue;
      context.progress(`${flood.name} flood`);
      figures.push(...(await runFlood(flood, context.quick ? flood.quick : flood.full, context.seed)));
    }
    if (figures.length === 0) throw new TortureFailure(`no flood ${context.only}; there are ${FLOODS.map((f) => f.name).join(', ')}`, context.only ?? '');
    return figures;
  },
};
