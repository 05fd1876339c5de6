// A boot storm on the whole simulated board (hal/sim Testbed + the real firmware: stack, store on
// NOR flash, DHCP, NAPPT, TFTP): 100 phones at once each get a lease, then fetch an 8 MiB image and
// their rendered per-MAC config, all byte-exact, over 100 Mbit/s links.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runBootStorm } from './storm';

test('boot storm: 100 phones DHCP, then each fetches an 8 MiB image and its own config, byte-exact', async () => {
  const r = await runBootStorm({ phones: 100, imageBytes: 8 * 1024 * 1024, seed: 1 });
  console.log(
    `  boot storm: storm ${r.stormMs.toFixed(0)} ms, link bound ${r.linkBoundMs.toFixed(0)} ms (ratio ${(r.stormMs / r.linkBoundMs).toFixed(3)}), ` +
      `last lease at ${r.dhcpMs.toFixed(0)} ms, peak ${r.peakConcurrent} concurrent transfers, blksize ${r.blockSize} window ${r.windowSize}, ` +
      `${r.retransmits} retransmits; memory per transfer ${r.bytesPerTransferNegotiated} B of block buffers (server's stated bound ${r.maxBytesPerTransfer} B)`,
  );
  assert.is(r.leased, 100, 'every phone got a lease');
  assert.is(r.imagesExact, 100, 'every image byte-exact');
  assert.is(r.configsOwnRange, 100, 'every config names its own range and the public address');
  assert.is(r.configsExact, 100, 'every config byte-exact');
  assert.is(r.refusals, 0);
  assert.ok(r.peakConcurrent >= 90, `peak concurrent ${r.peakConcurrent}`);
  // The physical limit is the router's one LAN cable; the storm should get within 2x of it.
  assert.ok(r.stormMs < 2 * r.linkBoundMs, `storm ${r.stormMs} ms vs bound ${r.linkBoundMs} ms`);
});

test('boot storm with windowsize 8: the router paces the windows to its cable; none lost at its own queue', async () => {
  // 100 windowed transfers offer far more than one 100 Mbit/s cable carries. The port refuses
  // what its queue cannot hold and the transfers wait their turn: nothing times out.
  const r = await runBootStorm({ phones: 100, imageBytes: 2 * 1024 * 1024, seed: 2, windowSize: 8 });
  console.log(
    `  windowed storm: storm ${r.stormMs.toFixed(0)} ms, link bound ${r.linkBoundMs.toFixed(0)} ms (ratio ${(r.stormMs / r.linkBoundMs).toFixed(3)}), ` +
      `window ${r.windowSize}, ${r.retransmits} retransmits, ${r.lanTxDropped} sends refused by the full port queue (and sent later)`,
  );
  assert.is(r.windowSize, 8);
  assert.is(r.imagesExact, 100, 'every image byte-exact');
  assert.is(r.configsExact, 100, 'every config byte-exact');
  assert.is(r.refusals, 0);
  assert.ok(r.stormMs < 1.2 * r.linkBoundMs, `storm ${r.stormMs} ms vs bound ${r.linkBoundMs} ms`);
});

test.run();
