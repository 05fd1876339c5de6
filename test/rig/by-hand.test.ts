import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConsoleClient, Rig, STATE_ROOT, listNamespaces, namespacesUnavailable, runAsync, type RigState } from '../../tools/rig';

// The rig by hand (`tools/rig/rig.ts up`) runs the product's firmware: its console answers the
// product's commands, a phone plugged in by hand gets a lease with a port block, and the WAN works.
// `rig.ts down <id>` removes exactly that rig (its router, its helpers, its namespaces) and leaves
// a rig someone else is using alone.
const why = namespacesUnavailable();
const RIG_CLI = join(import.meta.dirname, '..', '..', 'tools', 'rig', 'rig.ts');

const rigCli = (args: string[]) => runAsync(undefined, [process.execPath, '--import', 'tsx', RIG_CLI, ...args], 60_000);
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

for (const forwarding of ['ports', 'kernel'] as const) {
  test(`rig.ts up --forwarding ${forwarding}: the full firmware, a phone by hand gets its block; down <id> removes only that rig`, async () => {
    if (why) return console.log(`  skipped: ${why}`);
    const bystander = await Rig.up({ startRouter: false });
    let id: string | undefined;
    try {
      const up = await rigCli(['up', '--phones', '1', '--forwarding', forwarding]);
      id = /^rig (\S+) up/m.exec(up.stdout)?.[1];
      assert.ok(up.status === 0 && id, `rig.ts up: ${up.stdout}${up.stderr}`);
      const state = JSON.parse(readFileSync(join(STATE_ROOT, id!, 'state.json'), 'utf8')) as RigState;

      const term = new ConsoleClient(state.consolePath);
      try {
        term.write('\r');
        await term.expect(/plugboard> $/, 15_000);
        term.write('show phones\r');
        await term.expect(/\d+ phones\r\n/, 10_000);
      } finally {
        term.close();
      }
      const phoneNs = state.phones[0];
      const script = '#!/bin/sh\n[ "$1" = bound ] && echo "LEASE $ip $opt159"\nexit 0\n';
      const lease = await runAsync(phoneNs, ['sh', '-c', `printf '%s' '${script}' > /tmp/${id}-udhcpc.sh; chmod +x /tmp/${id}-udhcpc.sh; busybox udhcpc -i eth0 -n -q -t 5 -V yealink -O 159 -s /tmp/${id}-udhcpc.sh; rm -f /tmp/${id}-udhcpc.sh`], 30_000);
      assert.match(lease.stdout, /LEASE 192\.168\.1\.\d+ [0-9a-f]{8}/, `a lease with option 159: ${lease.stdout}${lease.stderr}`);
      const wan = await runAsync(state.wanNs, ['busybox', 'ping', '-c', '1', '-W', '2', '198.51.100.1'], 10_000);
      assert.is(wan.status, 0, `the router answers on its WAN address: ${wan.stdout}`);

      const down = await rigCli(['down', id!]);
      assert.is(down.status, 0, down.stderr);
      id = undefined;
      const left = listNamespaces();
      for (const ns of [state.routerNs, state.switchNs, state.wanNs, ...state.phones]) assert.not.ok(left.includes(ns), `${ns} removed`);
      for (const pid of [state.routerPid!, ...(state.helperPids ?? [])]) {
        for (let i = 0; i < 50 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
        assert.not.ok(alive(pid), `process ${pid} ended`);
      }
      assert.not.ok(existsSync(join(STATE_ROOT, state.id)), 'its state directory removed');
      for (const ns of [bystander.routerNs, bystander.switchNs, bystander.wanNs]) assert.ok(left.includes(ns), `another rig's ${ns} left alone`);
    } finally {
      if (id) await rigCli(['down', id]);
      await bystander.down();
    }
  });
}

test.run();
