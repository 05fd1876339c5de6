// Uploads (WRQ): refused unless a window is open for that host (and name); inside the window the
// image goes through the store's atomic put; a cut mid-upload leaves the old image intact.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bench, patternBytes, PERFECT } from './harness';
import { TftpTestClient } from './client';

const ADMIN = 0xc0a80102;
const OTHER = 0xc0a80103;
const hex = (u: Uint8Array | undefined): string => (u ? Buffer.from(u).toString('hex') : 'none');

function bench(): Bench {
  const b = new Bench(40, { ...PERFECT, latencyMs: 1 });
  b.store.putBytes('phone.bin', patternBytes(10_000));
  b.net.addHost(ADMIN);
  b.net.addHost(OTHER);
  return b;
}

test('WRQ refused while no window is open, from another host, for another name, after it closes', async () => {
  const b = bench();
  const image = patternBytes(3000).map((x) => x ^ 0x55);
  const closed = new TftpTestClient(b.net, ADMIN).write('phone.bin', image);
  assert.ok(await b.run(() => closed.done, 10_000));
  assert.is(closed.errorCode, 2);
  assert.match(closed.errorMessage ?? '', 'uploads are closed');
  b.server.openUploadWindow({ host: ADMIN, name: 'phone.bin', until: b.now + 60_000 });
  const wrongHost = new TftpTestClient(b.net, OTHER).write('phone.bin', image);
  const wrongName = new TftpTestClient(b.net, ADMIN).write('other.bin', image);
  const provisioning = new TftpTestClient(b.net, ADMIN).write('y000000000000.cfg', image);
  assert.ok(await b.run(() => wrongHost.done && wrongName.done && provisioning.done, 10_000));
  assert.is(wrongHost.errorCode, 2);
  assert.is(wrongName.errorCode, 2);
  b.server.closeUploadWindows();
  b.server.openUploadWindow({ host: ADMIN, until: b.now + 10 });
  await b.run(() => false, 100);
  const late = new TftpTestClient(b.net, ADMIN).write('phone.bin', image);
  assert.ok(await b.run(() => late.done, 10_000));
  assert.is(late.errorCode, 2);
  assert.is(hex(b.store.bytesOf('phone.bin')), hex(patternBytes(10_000)), 'nothing changed');
  assert.is(provisioning.errorCode, 2);
  assert.is(b.server.status().errors['upload-closed'], 5);
  // Even with a window for any name, a provisioning name is rendered, never uploaded.
  b.server.openUploadWindow({ host: ADMIN, until: b.now + 60_000 });
  const rendered = new TftpTestClient(b.net, ADMIN).write('SEP001565100001.cnf.xml', image);
  assert.ok(await b.run(() => rendered.done, 10_000));
  assert.is(rendered.errorCode, 2);
  assert.is(b.server.status().errors['upload-provisioning-name'], 1);
});

test('inside the window the upload is accepted, byte-exact, with blksize and tsize negotiated', async () => {
  const b = bench();
  b.server.openUploadWindow({ host: ADMIN, name: 'phone.bin', until: b.now + 60_000 });
  const image = patternBytes(1468 * 20 + 7).map((x) => x ^ 0xa5);
  const w = new TftpTestClient(b.net, ADMIN).write('phone.bin', image, {
    options: [{ name: 'blksize', value: '1468' }, { name: 'tsize', value: String(image.length) }, { name: 'windowsize', value: '8' }],
  });
  assert.ok(await b.run(() => w.done, 60_000));
  assert.ok(w.ok, w.errorMessage);
  assert.equal(w.oack, { blksize: '1468', tsize: String(image.length) }, 'windowsize not granted for uploads (lock-step)');
  assert.is(hex(b.store.bytesOf('phone.bin')), hex(image));
  assert.ok(await b.run(() => b.server.status().active.length === 0, 10_000));
  assert.is(b.server.status().totals.writesCompleted, 1);
  assert.is(b.server.status().totals.bytesReceived, image.length);
  // An exact multiple of the block size ends with an empty DATA block.
  const even = patternBytes(1024);
  const w2 = new TftpTestClient(b.net, ADMIN).write('phone.bin', even);
  assert.ok(await b.run(() => w2.done, 60_000));
  assert.ok(w2.ok);
  assert.is(hex(b.store.bytesOf('phone.bin')), hex(even));
});

test('a cut mid-upload leaves the old image intact and the new one invisible', async () => {
  const b = bench();
  const old = b.store.bytesOf('phone.bin');
  b.server.openUploadWindow({ host: ADMIN, until: b.now + 600_000 });
  const readers: string[] = [];
  const image = patternBytes(512 * 50).map((x) => x ^ 0x3c);
  const w = new TftpTestClient(b.net, ADMIN).write('phone.bin', image, { cutAfterBlocks: 20 });
  // While the upload runs, a phone still reads the old image.
  await b.run(() => b.server.status().active.some((t) => t.kind === 'write' && t.bytes >= 512 * 10), 10_000);
  b.net.addHost(OTHER);
  const r = new TftpTestClient(b.net, OTHER).read('phone.bin', { keep: true });
  assert.ok(await b.run(() => r.done, 60_000));
  readers.push(hex(r.data));
  assert.ok(await b.run(() => b.server.status().active.length === 0, 120_000));
  assert.not.ok(w.ok);
  assert.is(hex(b.store.bytesOf('phone.bin')), hex(old));
  assert.equal(readers, [hex(old)]);
  assert.is(b.server.status().errors['transfer:timeout'], 1);
  assert.is(b.server.status().totals.writesCompleted, 0);
});

test('a store without room refuses the upload with error 3 (disk full)', async () => {
  const b = bench();
  b.store.capacity = 1000;
  b.server.openUploadWindow({ host: ADMIN, until: b.now + 60_000 });
  const announced = new TftpTestClient(b.net, ADMIN).write('big.bin', patternBytes(5000), { options: [{ name: 'tsize', value: '5000' }] });
  assert.ok(await b.run(() => announced.done, 10_000));
  assert.is(announced.errorCode, 3);
  const unannounced = new TftpTestClient(b.net, ADMIN).write('big.bin', patternBytes(5000));
  assert.ok(await b.run(() => unannounced.done, 10_000));
  assert.is(unannounced.errorCode, 3);
  assert.is(b.store.bytesOf('big.bin'), undefined);
});


// ---- issue 15 item 5: upload names, several windows ----------------------------------------------

test('a window name follows the request-name rules: traversal, absolute paths, provisioning names refused', () => {
  const b = bench();
  for (const bad of ['../etc/passwd', '/etc/passwd', 'a/../b', '..\\x', 'a b', 'SEP001565100001.cnf.xml', 'x'.repeat(129)]) {
    const opened = b.server.openUploadWindow({ host: ADMIN, name: bad, until: b.now + 60_000 });
    assert.not.ok(opened.ok, bad);
    if (!opened.ok) assert.match(opened.reason, `refused name '${bad}'`);
  }
  assert.equal(b.server.status().uploadWindows, [], 'no refused window was opened');
  const opened = b.server.openUploadWindow({ host: ADMIN, name: 'images/T46S.rom', until: b.now + 60_000 });
  assert.ok(opened.ok);
});

test('a traversal name in a put is refused inside an open window and never reaches the store', async () => {
  const b = bench();
  b.server.openUploadWindow({ host: ADMIN, until: b.now + 60_000 });
  const puts: string[] = [];
  const realPut = b.store.put.bind(b.store);
  b.store.put = (name: string, size?: number) => {
    puts.push(name);
    return realPut(name, size);
  };
  for (const name of ['../etc/passwd', '/../etc/passwd', '..\\boot.ini', 'a/./b']) {
    const w = new TftpTestClient(b.net, ADMIN).write(name, patternBytes(100));
    assert.ok(await b.run(() => w.done, 10_000), name);
    assert.is(w.errorCode, 2, name);
  }
  assert.equal(puts, []);
});

test('several windows stay open side by side; the same host and name again moves its time; cancel closes one', async () => {
  const b = bench();
  const first = b.server.openUploadWindow({ host: ADMIN, name: 'phone.bin', until: b.now + 60_000 });
  const second = b.server.openUploadWindow({ host: OTHER, name: 'other.bin', until: b.now + 60_000 });
  assert.ok(first.ok && second.ok);
  assert.is(b.server.status().uploadWindows.length, 2, 'the second window did not replace the first');
  const again = b.server.openUploadWindow({ host: ADMIN, name: 'phone.bin', until: b.now + 120_000 });
  assert.ok(again.ok && again.replaced && first.ok && again.window.id === first.window.id);
  assert.equal(b.server.status().uploadWindows.map((w) => [w.id, w.until]), [
    [1, b.now + 120_000],
    [2, b.now + 60_000],
  ]);
  const a = new TftpTestClient(b.net, ADMIN).write('phone.bin', patternBytes(700));
  const o = new TftpTestClient(b.net, OTHER).write('other.bin', patternBytes(900));
  assert.ok(await b.run(() => a.done && o.done, 10_000));
  assert.ok(a.ok && o.ok, `${a.errorMessage} ${o.errorMessage}`);
  assert.is(b.store.bytesOf('other.bin')?.length, 900);
  assert.ok(b.server.cancelUploadWindow(2));
  assert.not.ok(b.server.cancelUploadWindow(2), 'already closed');
  const late = new TftpTestClient(b.net, OTHER).write('other.bin', patternBytes(10));
  assert.ok(await b.run(() => late.done, 10_000));
  assert.is(late.errorCode, 2, 'a cancelled window admits nothing');
  assert.is(b.server.closeUploadWindows(), 1);
  assert.equal(b.server.status().uploadWindows, []);
  for (let i = 0; i < 8; i++) assert.ok(b.server.openUploadWindow({ host: ADMIN, name: `f${i}.bin`, until: b.now + 60_000 }).ok);
  const ninth = b.server.openUploadWindow({ host: ADMIN, name: 'f8.bin', until: b.now + 60_000 });
  assert.not.ok(ninth.ok);
});

test('a template item can be uploaded inside its window (README: put snom.tmpl template:snom)', async () => {
  const b = bench();
  b.server.openUploadWindow({ host: ADMIN, name: 'template:snom', until: b.now + 60_000 });
  const text = new TextEncoder().encode('<html>{{sip_port}}</html>\n');
  const w = new TftpTestClient(b.net, ADMIN).write('template:snom', text);
  assert.ok(await b.run(() => w.done, 10_000));
  assert.ok(w.ok, w.errorMessage);
  assert.is(hex(b.store.bytesOf('template:snom')), hex(text));
  // Reading it raw stays refused.
  const r = new TftpTestClient(b.net, ADMIN).read('template:snom');
  assert.ok(await b.run(() => r.done, 10_000));
  assert.is(r.errorCode, 2);
});

test.run();
