// A simulated office week on the virtual clock: phones that renew their leases, reboot once a day
// and place a short call every hour; a guest that looks things up through NAPT every few minutes;
// once a day the owner uploads a new phone image over TFTP (replacing yesterday's) and moves the
// static WAN address (set, save, reload: the router restarts).
// At the end of each day the tables are sampled: none may grow from day to day, no NAPT mapping
// may outlive its flow, every phone must still be bound and calling. Flash erases per day reported.
import { Rng } from '../../../hal/sim/random';
import type { ReceivedUdp } from '../../../hal/sim/host';
import { SimPhone } from '../../dhcp/sim-phone';
import { macOf } from '../../dhcp/client';
import { TortureFailure, count, type Campaign, type Figure } from '../campaign';
import { heapAfterGc, mib } from '../heap';
import { officeBed, WAN_GATEWAY, type OfficeBed } from '../office';
import { HostNet } from '../../tftp/simPhone';
import { TftpTestClient, type TransferResult } from '../../tftp/client';

const DAY = 86_400_000;
const HOUR = 3_600_000;

interface Member {
  readonly phone: SimPhone;
  callsPlaced: number;
  callsAnswered: number;
  rtpBack: number;
}

interface DaySample {
  leases: number;
  mappings: number;
  phoneBlocks: number;
  transfers: number;
  storeBytes: number;
  erases: number;
  programmed: number;
  heap: number;
  bound: number;
}

/** One short call: an INVITE-sized datagram from the block's first port and 50 RTP packets, echoed by the server. */
function call(bed: OfficeBed, m: Member): void {
  const lease = m.phone.lease;
  const host = m.phone.host;
  if (m.phone.state !== 'bound' || !lease?.portParams || host.ip === undefined) return;
  const first = 2 ** (16 - lease.portParams.psidLength) * lease.portParams.psid;
  m.callsPlaced++;
  host.sendUdp(WAN_GATEWAY, first, 5060, new TextEncoder().encode(`INVITE sip:echo@203.0.113.1 SIP/2.0\r\n\r\n`));
  for (let i = 0; i < 50; i++) bed.bed.scheduler.after(20 * i, () => host.sendUdp(WAN_GATEWAY, first + 2, 40_000, new Uint8Array(172)));
}

function sample(bed: OfficeBed, members: readonly Member[]): DaySample {
  const dhcp = bed.dhcp().server;
  const nappt = bed.nappt().forwarder;
  return {
    leases: dhcp.leaseTable().length,
    mappings: nappt.mappings().length,
    phoneBlocks: dhcp.leaseTable().filter((l) => l.state === 'bound').length,
    transfers: bed.tftp().status().active.length,
    storeBytes: bed.firmware().store?.usage().usedBytes ?? 0,
    erases: bed.bed.board.flash().counters().erases,
    programmed: bed.bed.board.flash().counters().bytesProgrammed,
    heap: heapAfterGc(),
    bound: members.filter((m) => m.phone.state === 'bound').length,
  };
}

export const soakCampaign: Campaign = {
  name: 'soak',
  describe: 'a simulated office week: renewals, reboots, calls, a guest, daily image uploads and WAN address changes with reload',
  async run(context) {
    const days = context.quick ? 2 : 7;
    const phones = context.quick ? 6 : 20;
    const rng = new Rng(context.seed ^ 0x50a6);
    const bed = await officeBed(context.seed, 0);
    const members: Member[] = [];
    for (let i = 0; i < phones; i++) {
      const host = bed.host(`phone-${i}`, macOf(i + 1, [0x80, 0x5e, 0xc0]).reduce((s, b, k) => s + (k ? ':' : '') + b.toString(16).padStart(2, '0'), ''));
      const phone = new SimPhone(host, bed.bed.scheduler, rng.fork(), { vendorClass: 'yealink SIP-T46S' });
      const member: Member = { phone, callsPlaced: 0, callsAnswered: 0, rtpBack: 0 };
      const dhcp = host.onUdp;
      host.onUdp = (d: ReceivedUdp, h) => {
        if (d.srcPort === 5060) member.callsAnswered++;
        else if (d.srcIp === WAN_GATEWAY) member.rtpBack++;
        else dhcp?.(d, h);
      };
      members.push(member);
      bed.bed.scheduler.after(500 + i * 300, () => phone.boot());
    }
    const ownerIp = 0xc0a80114; // 192.168.1.20, the owner's PC
    const owner = new TftpTestClient(new HostNet(bed.host('owner-pc', '02:55:55:00:00:20', 'lan', ownerIp), bed.bed.scheduler), ownerIp);
    const uploads: TransferResult[] = [];
    const guestHost = bed.host('guest', '02:77:77:00:00:01');
    const guest = new SimPhone(guestHost, bed.bed.scheduler, rng.fork(), {});
    guest.boot();
    await bed.run(20_000);

    const samples: DaySample[] = [];
    const problems: string[] = [];
    let wanLast = 2;
    for (let day = 0; day < days; day++) {
      const start = bed.bed.scheduler.now();
      // The day's schedule: a call per phone per hour, one reboot per phone, guest look-ups, and the
      // WAN address change at 03:00.
      for (const m of members) {
        for (let h = 0; h < 24; h++) bed.bed.scheduler.at(start + h * HOUR + rng.int(HOUR - 5000), () => call(bed, m));
        bed.bed.scheduler.at(start + rng.int(DAY - HOUR), () => m.phone.reboot());
      }
      for (let t = 0; t < DAY; t += 5 * 60_000) {
        bed.bed.scheduler.at(start + t + rng.int(60_000), () => {
          if (guestHost.ip !== undefined) guestHost.sendUdp(0xc6336435, 1024 + rng.int(60000), 53, new Uint8Array(40));
        });
      }
      bed.bed.scheduler.at(start + 10 * HOUR, () => bed.bed.board.console.type('image upload 192.168.1.20 daily-image.bin 10\r'));
      bed.bed.scheduler.at(start + 10 * HOUR + 5000, () => {
        const image = new Uint8Array(120 * 1024);
        rng.fill(image);
        uploads.push(owner.write('daily-image.bin', image, { options: [{ name: 'blksize', value: '1468' }, { name: 'tsize', value: String(image.length) }] }));
      });
      bed.bed.scheduler.at(start + 3 * HOUR, () => {
        wanLast = wanLast === 2 ? 3 : 2;
        bed.bed.board.console.type(`set wan.address 203.0.113.${wanLast}\rsave\rreload\r`);
      });
      // The day, then a quiet hour so short-lived mappings can expire before the tables are sampled.
      await bed.run(DAY - HOUR);
      await bed.run(HOUR);
      // The test's phones keep every ACK they got; that history is the test's, not the router's.
      for (const m of members) m.phone.acks.length = 0;
      const s = sample(bed, members);
      samples.push(s);
      context.progress(`day ${day + 1}/${days}: ${s.bound}/${phones} phones bound, ${s.leases} leases, ${s.mappings} mappings, ${count(s.erases)} erases so far`);
      if (s.bound !== phones) problems.push(`day ${day + 1}: ${s.bound} of ${phones} phones bound (${members.map((m) => m.phone.state).join(',')})`);
      if (s.mappings > 8) problems.push(`day ${day + 1}: ${s.mappings} NAPT mappings left after a quiet hour`);
      if (s.transfers > 0) problems.push(`day ${day + 1}: ${s.transfers} TFTP transfers still open`);
    }
    const first = samples[0];
    for (const [i, s] of samples.entries()) {
      if (s.leases > first.leases) problems.push(`day ${i + 1}: the lease table grew from ${first.leases} to ${s.leases}`);
      if (s.storeBytes > first.storeBytes + 64 * 1024) problems.push(`day ${i + 1}: the store grew from ${first.storeBytes} to ${s.storeBytes} bytes`);
    }
    const uploaded = uploads.filter((u) => u.ok).length;
    if (uploaded !== days) problems.push(`${uploaded} of ${days} daily uploads succeeded (${uploads.map((u) => u.errorMessage ?? (u.done ? 'ok' : 'unfinished')).join(', ')})`);
    const placed = members.reduce((n, m) => n + m.callsPlaced, 0);
    const answered = members.reduce((n, m) => n + m.callsAnswered, 0);
    const rtp = members.reduce((n, m) => n + m.rtpBack, 0);
    if (answered < placed * 0.98) problems.push(`${answered} of ${placed} calls answered`);
    if (bed.errors().length > 0) problems.push(`the firmware logged errors: ${bed.errors().slice(0, 3).join(' | ')}`);
    const heapGrowth = samples[samples.length - 1].heap - first.heap;
    if (heapGrowth > 4 * 1048576) problems.push(`the heap grew ${mib(heapGrowth)} from day 1 to day ${days}`);
    if (problems.length > 0) throw new TortureFailure(`soak: ${problems.join('; ')}`, 'soak');
    const perDay = (pick: (s: DaySample) => number): number[] => samples.map((s, i) => pick(s) - (i === 0 ? 0 : pick(samples[i - 1])));
    const erasesPerDay = perDay((s) => s.erases);
    const writtenPerDay = perDay((s) => s.programmed).map((b) => `${(b / 1024).toFixed(0)} KiB`);
    const figures: Figure[] = [
      { what: `${days} simulated day(s), ${phones} phones and a guest: calls placed / answered, RTP back`, value: `${count(placed)} / ${count(answered)}, ${count(rtp)} of ${count(placed * 50)}` },
      { what: 'phones bound at the end of each day; daily 120 KiB image uploads that succeeded', value: `${samples.map((s) => s.bound).join(', ')}; ${uploaded} of ${days}` },
      { what: 'lease table / NAPT mappings after each day\'s quiet hour', value: samples.map((s) => `${s.leases}/${s.mappings}`).join(', ') },
      { what: 'flash erases per day (an image replaced, a save and a reload each day, phone reboots, leases)', value: erasesPerDay.join(', ') },
      { what: 'flash bytes programmed per day', value: writtenPerDay.join(', ') },
      { what: 'store used at the end of each day', value: samples.map((s) => `${Math.round(s.storeBytes / 1024)} KiB`).join(', ') },
      { what: `heap growth from day 1 to day ${days}`, value: mib(heapGrowth) },
    ];
    return figures;
  },
};
