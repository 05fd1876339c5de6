import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rig, mount, drive, putAll, readAll, bytesOf, sha, hex, SMALL_NOR, SMALL_NAND } from './harness';
import { isFailure } from '../../firmware/store';

for (const geometry of [SMALL_NOR, SMALL_NAND]) {
  test(`${geometry.kind}: put, read, replace, remove, records, remount`, async () => {
    const r = rig(geometry, 3);
    let store = await mount(r);
    const a = bytesOf(1, 100_000);
    const stat = await drive(r.scheduler, putAll(store, 'phone/a.bin', a));
    assert.ok(stat && !isFailure(stat), JSON.stringify(stat));
    const back = await drive(r.scheduler, readAll(store, 'phone/a.bin'));
    assert.ok(back instanceof Uint8Array);
    assert.is(sha(back as Uint8Array), sha(a));
    assert.is(hex(store.stat('phone/a.bin')!.sha256), sha(a));
    assert.is(await drive(r.scheduler, store.setRecord('leases', bytesOf(2, 5000))), undefined);
    assert.equal(store.audit(), []);
    store = await mount(r);
    assert.is(sha((await drive(r.scheduler, readAll(store, 'phone/a.bin'))) as Uint8Array), sha(a));
    const rec = await drive(r.scheduler, store.getRecord('leases'));
    assert.is(sha(rec as Uint8Array), sha(bytesOf(2, 5000)));
    assert.is(await drive(r.scheduler, store.remove('phone/a.bin')), undefined);
    assert.is(store.stat('phone/a.bin'), undefined);
    store = await mount(r);
    assert.is(store.stat('phone/a.bin'), undefined);
    assert.equal(store.audit(), []);
    assert.equal(store.damage(), []);
  });
}

test.run();
