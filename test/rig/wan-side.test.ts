// From the WAN nothing gets in, on the namespace rig in both forwarding modes (the firmware's own
// forwarder and the kernel it programs): a TFTP read from the WAN host to the public address gets
// nothing, a datagram or connection to a public port no block or mapping holds reaches no LAN host,
// and a phone's block stays reachable (the check can fail). Real clients: tftp-hpa, socat.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { BUNDLE, RUNTIME_BINARY, namespacesUnavailable, udhcpcLease } from '../../tools/rig';
import { reachesFromWan, routerUp, type Mode } from '../router/harness';

const why = namespacesUnavailable() ?? (!existsSync(RUNTIME_BINARY) || !existsSync(BUNDLE) ? 'no native runtime or bundle (bash hal/native/build.sh && npm run build)' : undefined);

for (const mode of ['ports', 'kernel'] as Mode[]) {
  test(`${mode} mode: TFTP from the WAN gets nothing; unmapped public ports reach nobody; a block still does`, async () => {
    if (why) {
      console.log(`  skipped: ${why}`);
      return;
    }
    const { rig } = await routerUp(mode);
    try {
      const phone = rig.addPhone('phone1');
      const lease = await udhcpcLease(phone, rig.dir, { vendorClass: 'yealink SIP-T46U' });
      assert.ok(lease.block, 'the phone got a block');
      const guest = rig.addPhone('guest1');
      await udhcpcLease(guest, rig.dir);

      // TFTP read of a name the store may hold, from the WAN host to the public address: no answer.
      const tftp = await rig.wanAsync(['sh', '-c', `cd /tmp && rm -f wan-probe.bin && timeout 8 tftp -m binary ${rig.wanAddress} -v -c get demo-phone-fw.bin wan-probe.bin; echo status=$?; test -s wan-probe.bin && echo GOT-DATA || true`], 15_000);
      assert.not.match(tftp.stdout, /GOT-DATA|Received \d+ bytes/, `TFTP answered from the WAN: ${tftp.stdout}`);

      // Public ports no block and no mapping holds: nothing reaches the guest or the phone.
      for (const port of [69, 4099, 40_000]) {
        assert.not.ok(await reachesFromWan(rig, guest, 'udp', port), `UDP ${port} reached the guest`);
        assert.not.ok(await reachesFromWan(rig, phone, 'udp', port), `UDP ${port} reached the phone`);
      }
      assert.not.ok(await reachesFromWan(rig, guest, 'tcp', 40_001), 'TCP 40001 reached the guest');

      // The same probe does reach a phone's block, so the negatives above are not a dead rig.
      assert.ok(await reachesFromWan(rig, phone, 'udp', lease.block!.first + 7), 'WAN -> block reaches the phone');
    } finally {
      await rig.down();
    }
  });
}

test.run();
