// Router mode's control plane without a kernel: the table built from leases and policy, what counts
// as a change (a renewal is none), and the nftables text it renders to (checked by nft itself in a
// scratch namespace when nft is installed).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildNatTable, sameNatTable } from '../../firmware/router/nat-table';
import { DEFAULT_NAPPT_CONFIG } from '../../firmware/nappt/config';
import type { LeaseInfo } from '../../firmware/dhcp/types';
import { checkNatTable, renderNatTable } from '../../hal/native/adapter/nft-render';
import { countFlows, parseNftCounters } from '../../hal/native/adapter/nft-counters';
import { namespacesUnavailable } from '../../tools/rig';
import { parseIp } from '../../firmware/util/ipv4';

const ip = (text: string): number => parseIp(text)!;
const LAN = { ip: ip('192.168.1.1'), prefixLength: 24 };
const WAN = { ip: ip('198.51.100.1'), prefixLength: 24 };

function lease(address: string, block: [number, number] | undefined, expiresAt = 10_000): LeaseInfo {
  return {
    mac: new Uint8Array([2, 0, 0, 0, 0, ip(address) & 255]),
    ip: ip(address),
    phoneClass: block ? 'yealink' : undefined,
    block: block ? { first: block[0], last: block[1], psidLength: 10, psid: 0 } : undefined,
    expiresAt,
    bootFile: undefined,
    vars: {},
  };
}

const inputs = (leases: LeaseInfo[], now = 0) => ({ leases, lan: LAN, wan: WAN, policy: DEFAULT_NAPPT_CONFIG, offload: 'none' as const, now });

test('only phones with a live block are in the table, sorted; guests and ended leases are not', () => {
  const table = buildNatTable(inputs([lease('192.168.1.20', [16448, 16511]), lease('192.168.1.10', [16384, 16447]), lease('192.168.1.200', undefined), lease('192.168.1.30', [16512, 16575], 5)], 10));
  assert.equal(table.phones.map((p) => [p.ip, p.firstPort, p.lastPort]), [[ip('192.168.1.10'), 16384, 16447], [ip('192.168.1.20'), 16448, 16511]]);
  assert.equal(table.guestPool, { firstPort: 4096, lastPort: 16383 });
});

test('a renewal (same leases, later expiry) is the same table; a new phone, a WAN change or a policy change is not', () => {
  const before = buildNatTable(inputs([lease('192.168.1.10', [16384, 16447], 10_000)]));
  const renewed = buildNatTable(inputs([lease('192.168.1.10', [16384, 16447], 99_000)]));
  assert.ok(sameNatTable(before, renewed));
  assert.not.ok(sameNatTable(before, buildNatTable(inputs([lease('192.168.1.10', [16384, 16447]), lease('192.168.1.11', [16448, 16511])]))));
  assert.not.ok(sameNatTable(before, { ...before, wan: { ip: ip('198.51.100.7'), prefixLength: 24 } }));
  assert.not.ok(sameNatTable(before, { ...before, phoneOutsideBlock: 'drop' }));
});

test('tables the kernel must never get are refused before rendering', () => {
  const good = buildNatTable(inputs([lease('192.168.1.10', [16384, 16447])]));
  assert.is(checkNatTable(good), undefined);
  assert.match(checkNatTable({ ...good, guestPool: { firstPort: 16000, lastPort: 16400 } }) ?? '', /overlap/);
  assert.match(checkNatTable({ ...good, phones: [...good.phones, { ...good.phones[0] }] }) ?? '', /overlap|twice/);
  assert.match(checkNatTable({ ...good, phones: [{ ...good.phones[0], lastPort: 70000 }] }) ?? '', /bad port range/);
  assert.throws(() => renderNatTable(good, { lan: 'lan0"; flush ruleset; "', wan: 'wan0', flowDevices: [] }), /cannot be rendered/);
});

test('the rendered table keeps each block to its phone and the guests to the pool', () => {
  const table = buildNatTable(inputs([lease('192.168.1.10', [16384, 16447])]));
  const text = renderNatTable({ ...table, phoneOutsideBlock: 'drop' }, { lan: 'br-lan', wan: 'wan', flowDevices: ['lan1', 'wan'] });
  assert.match(text, /^table inet plugboard \{\}\ndelete table inet plugboard\n/);
  assert.match(text, /16384-16447 : 192\.168\.1\.10/);
  assert.match(text, /ip saddr 192\.168\.1\.10 meta l4proto \{ tcp, udp \} th sport 16384-16447 masquerade to :16384-16447/);
  assert.match(text, /masquerade to :4096-16383/);
  assert.match(text, /th sport != 16384-16447 counter name phone_outside_block drop/);
  assert.not.match(text, /flowtable/, 'offload none: no flowtable');
  const offloaded = renderNatTable({ ...table, offload: 'hardware' }, { lan: 'br-lan', wan: 'wan', flowDevices: ['lan1', 'wan'] });
  assert.match(offloaded, /devices = \{ "lan1", "wan" \}; flags offload;/);
  assert.match(offloaded, /flow add @ft/);
});

test('counters and flows are read back from nft JSON and conntrack lines', () => {
  const json = JSON.stringify({ nftables: [
    { counter: { family: 'inet', name: 'spoofed', table: 'plugboard', packets: 3, bytes: 180 } },
    { set: { name: 'phone_out', elem: [{ elem: { val: '192.168.1.10', counter: { packets: 7, bytes: 700 } } }] } },
    { set: { name: 'phone_in', elem: [{ elem: { val: 'not-an-ip', counter: { packets: 1, bytes: 1 } } }] } },
  ] });
  const parsed = parseNftCounters(json)!;
  assert.equal(parsed.named.get('spoofed'), { packets: 3, bytes: 180 });
  assert.equal(parsed.phoneOut.get(ip('192.168.1.10')), { packets: 7, bytes: 700 });
  assert.is(parsed.phoneIn.size, 0);
  assert.is(parseNftCounters('{"nftables": 5}'), undefined);
  assert.is(parseNftCounters('not json'), undefined);
  const conntrack = [
    'ipv4     2 udp      17 29 src=192.168.1.10 dst=198.51.100.2 sport=16387 dport=9000 src=198.51.100.2 dst=198.51.100.1 sport=9000 dport=16387 mark=0 zone=0 use=2',
    'ipv4     2 udp      17 29 src=198.51.100.2 dst=198.51.100.1 sport=9000 dport=16390 src=192.168.1.10 dst=198.51.100.2 sport=16390 dport=9000 mark=0 zone=0 use=2',
    'ipv4     2 tcp      6 7440 ESTABLISHED src=192.168.1.200 dst=198.51.100.2 sport=40001 dport=9001 src=198.51.100.2 dst=198.51.100.1 sport=9001 dport=5000 mark=0 use=1',
    'garbage',
  ].join('\n');
  const flows = countFlows(conntrack, new Set([ip('192.168.1.10')]), LAN);
  assert.is(flows.perPhone.get(ip('192.168.1.10')), 2, 'outbound and DNAT-ed inbound');
  assert.is(flows.guests, 1);
});

test('nft itself accepts the rendered table, for 1 and for 1,000 phones', () => {
  const why = namespacesUnavailable() ?? (spawnSync('nft', ['--version']).status === 0 ? undefined : 'nft not installed');
  if (why) {
    console.log(`  skipped: ${why}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'pb-nft-'));
  const ns = `pb-nftcheck-${process.pid}`;
  spawnSync('ip', ['netns', 'add', ns]);
  try {
    for (const count of [1, 1000]) {
      const leases = Array.from({ length: count }, (_, i) => ({ ...lease('10.0.0.1', [16384 + 48 * i, 16384 + 48 * i + 47]), ip: (ip('10.0.0.2') + i) >>> 0 }));
      const table = buildNatTable({ ...inputs(leases), lan: { ip: ip('10.0.0.1'), prefixLength: 16 } });
      const file = join(dir, `t${count}.nft`);
      writeFileSync(file, renderNatTable(table, { lan: 'lo', wan: 'lo', flowDevices: [] }));
      const result = spawnSync('ip', ['netns', 'exec', ns, 'nft', '-c', '-f', file], { encoding: 'utf8', timeout: 60_000 });
      assert.is(result.status, 0, `${count} phones: ${result.stderr}`);
    }
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
});

test.run();
