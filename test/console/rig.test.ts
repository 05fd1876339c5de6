// On real interfaces: the native runtime's console on its pty. A phone namespace boots with busybox
// udhcpc (as a Yealink, asking for option 159); `show leases` typed on the console then lists that
// phone with the address udhcpc got and the port block option 159 carried.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rig, namespacesUnavailable, type ConsoleClient } from '../../tools/rig';
import { BUNDLE, RUNTIME_BINARY } from '../../tools/rig/topology';
import { contiguousPortRange, readPortParams } from '../../firmware/wire/dhcp-options';

const why = namespacesUnavailable() ?? (!existsSync(RUNTIME_BINARY) || !existsSync(BUNDLE) ? 'native runtime or bundle not built' : undefined);
const work = mkdtempSync(join(tmpdir(), 'pb-console-'));

test('show leases on the native console lists a udhcpc phone with its address and port block', async () => {
  if (why) {
    console.log(`  skipped: ${why}`);
    return;
  }
  const rig = await Rig.up({ firmware: 'full' });
  let term: ConsoleClient | undefined;
  try {
    term = rig.console();
    term.write('\r');
    await term.expect(/plugboard> $/, 15_000);

    const phone = rig.addPhone('yea');
    const dump = join(work, 'udhcpc.env');
    const hook = join(work, 'hook.sh');
    writeFileSync(hook, `#!/bin/sh\n[ "$1" = bound ] && env > ${dump}\nexit 0\n`);
    chmodSync(hook, 0o755);
    const result = await phone.runAsync(['busybox', 'udhcpc', '-i', 'eth0', '-f', '-q', '-n', '-t', '6', '-T', '2', '-s', hook, '-V', 'yealink SIP-T46U', '-O', '159'], 30_000);
    assert.is(result.status, 0, `udhcpc: ${result.stdout}\n${result.stderr}`);
    const env = new Map(readFileSync(dump, 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]));
    const ip = env.get('ip') ?? '';
    const params = readPortParams(Uint8Array.from((env.get('opt159') ?? '').match(/../g) ?? [], (h) => parseInt(h, 16)));
    assert.ok(params, `option 159 in ${[...env.keys()].join(' ')}`);
    const block = contiguousPortRange(params!.psidLength, params!.psid);

    term.write('terminal length 0\r');
    await term.expect(/plugboard> $/);
    term.write('show leases\r');
    const out = await term.expect(/\d+ leases\r\n/, 10_000);
    const row = out.split('\r\n').find((line) => line.startsWith(`${ip} `));
    assert.ok(row, `a row for ${ip} in:\n${out}`);
    assert.match(row!, new RegExp(`^${ip.replace(/\./g, '\\.')} +${phone.mac} +yealink +${block.first}-${block.last} +\\d`));

    // Abbreviations and errors on the real pty too.
    term.write('sh ph\r');
    const phones = await term.expect(/\d+ phones\r\n/, 10_000);
    assert.match(phones, new RegExp(`${ip.replace(/\./g, '\\.')} +${phone.mac} +yealink +${block.first}-${block.last}`));
    term.write('set lan.prefix 99\r');
    await term.expect(/Invalid <value> '99' \(word 3\): out of range 8-30/);
  } finally {
    term?.close();
    await rig.down();
  }
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
