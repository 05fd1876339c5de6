import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rig, namespacesUnavailable } from '../../tools/rig';

// The full firmware (firmware/main.ts boot()) on the native runtime in the rig: its CLI on the
// console pty, and a configuration saved through the flash store that survives SIGTERM + restart.
const why = namespacesUnavailable();

async function pings(rig: Rig, phoneName: string, ip: string): Promise<number> {
  const phone = rig.phones.get(phoneName);
  if (!phone) throw new Error(`no phone ${phoneName}`);
  const result = await phone.runAsync(['busybox', 'ping', '-c', '2', '-W', '2', ip], 15_000);
  return Number(/(\d+) packets received/.exec(result.stdout)?.[1] ?? 0);
}

test('full firmware: boots on the rig, answers ping on its default LAN address and a CLI command on the pty', async () => {
  if (why) return console.log(`  skipped: ${why}`);
  const rig = await Rig.up({ firmware: 'full' });
  try {
    const term = rig.console();
    try {
      await term.expect(/ready in \d+ ms/, 10_000);
      rig.addPhone('p1', { address: '192.168.1.10/24' });
      assert.is(await pings(rig, 'p1', '192.168.1.1'), 2, rig.routerLog);
      term.write('show running-config\r');
      await term.expect(/running configuration[\s\S]*end\r?\n/, 5000);
    } finally {
      term.close();
    }
  } finally {
    await rig.down();
  }
});

test('full firmware: `save` then SIGTERM at once; after a restart the saved LAN address is in use', async () => {
  if (why) return console.log(`  skipped: ${why}`);
  const rig = await Rig.up({ firmware: 'full' });
  try {
    let term = rig.console();
    await term.expect(/ready in \d+ ms/, 10_000);
    term.write('set lan.address 192.168.1.2\r');
    await term.expect(/set lan\.address 192\.168\.1\.2\r?\n[\s\S]*?> /, 5000);
    term.write('save\r');
    await term.expect(/save\r?\n/, 5000);
    // SIGTERM while the store may still be writing: the runtime finishes the flash work first.
    const exit = await rig.stopRouter('SIGTERM');
    term.close();
    assert.equal(exit, { code: 0, signal: null }, rig.routerLog);
    await rig.startRouter();
    term = rig.console();
    try {
      await term.expect(/ready in \d+ ms/, 10_000);
      rig.addPhone('p1', { address: '192.168.1.10/24' });
      assert.is(await pings(rig, 'p1', '192.168.1.2'), 2, `${rig.routerLog}\n${term.transcript}`);
    } finally {
      term.close();
    }
  } finally {
    await rig.down();
  }
});

test.run();
