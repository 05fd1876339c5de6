import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rig, mount, drive, putAll, bytesOf, SMALL_NOR, SMALL_NAND } from './harness';
import { isFailure } from '../../firmware/store';

// A streaming reader fetches an extent of chunks per flash read and serves what it holds at once
// (readNow); what it does not hold is undefined, never stale or partial bytes.
for (const geometry of [SMALL_NOR, SMALL_NAND]) {
  test(`${geometry.kind}: readNow serves the extent read() fetched, byte-exact; beyond it undefined; the end short`, async () => {
    const r = rig(geometry, 5);
    const store = await mount(r);
    const image = bytesOf(9, 40_000); // 20 chunks of 2 KiB
    await drive(r.scheduler, putAll(store, 'img', image));
    const reader = store.open('img');
    if (isFailure(reader)) throw new Error(reader.message);
    const block = new Uint8Array(512);
    assert.is(reader.readNow!(0, block), undefined, 'nothing held before the first read');
    assert.is(await drive(r.scheduler, reader.read(0, block)), 512);
    assert.equal(block, image.subarray(0, 512));
    // Everything up to the end of the extent comes at once and matches the image.
    let offset = 512;
    let served = 0;
    for (;;) {
      const n = reader.readNow!(offset, block);
      if (n === undefined) break;
      assert.is(n, 512);
      assert.equal(block, image.subarray(offset, offset + 512), `bytes at ${offset}`);
      offset += n;
      served++;
    }
    assert.ok(served >= 7, `an extent of several chunks was held (${served} blocks at once)`);
    assert.ok(offset < image.length, 'the extent is bounded, not the whole image');
    // read() goes on from there; at the end readNow answers short, then 0.
    const rest = new Uint8Array(image.length - offset);
    assert.is(await drive(r.scheduler, reader.read(offset, rest)), rest.length);
    assert.equal(rest, image.subarray(offset));
    assert.is(reader.readNow!(image.length - 100, block), 100);
    assert.equal(block.subarray(0, 100), image.subarray(image.length - 100));
    assert.is(reader.readNow!(image.length, block), 0);
    reader.close();
    assert.is(reader.readNow!(0, block), undefined, 'a closed reader holds nothing');
  });
}

test.run();
