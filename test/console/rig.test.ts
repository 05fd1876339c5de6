// On real interfaces: the native runtime's console on its pty. A phone namespace boots with busybox
// udhcpc (as a Yealink, asking for option 159); `show leases` typed on the console then lists that
// phone with the address udhcpc got and the port block option 159 carried.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { BUNDLE, RUNTIME_BINARY, Rig, namespacesUnavailable, udhcpcLease, type ConsoleClient } from '../../tools/rig';

const why = namespacesUnavailable() ?? (!existsSync(RUNTIME_BINARY) || !existsSync(BUNDLE) ? 'native runtime or bundle not built' : undefined);

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
    const lease = await udhcpcLease(phone, rig.dir, { vendorClass: 'yealink SIP-T46U' });
    const ip = lease.ip;
    assert.ok(lease.block, `option 159 in ${[...lease.env.keys()].join(' ')}`);
    const block = lease.block!;

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

test.run();
