import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  configEquals,
  CONFIG_VERSION,
  crc32,
  decodeConfig,
  DEFAULT_CONFIG,
  encodeConfig,
  frame,
  getValue,
  newPhoneClass,
  withPhoneClass,
  withValue,
  withoutPhoneClass,
} from '../../firmware/config';
import { encodeUtf8 } from '../../firmware/util/text';
import { parseIp } from '../../firmware/util/ipv4';

const sample = withPhoneClass(
  withoutPhoneClass(withValue(withValue(DEFAULT_CONFIG, 'hostname', 'office'), 'wan.mtu', 1492), 'snom'),
  { ...newPhoneClass('acme'), vendorClasses: ['prefix:Acme'], bootFile: 'acme.bin', options: [{ code: 66, text: 'x' }], vars: { sip_server: '10.0.0.1' }, portRangeSubOptions: { first: 1, last: 2 } },
);

test('crc32 matches the IEEE check value', () => {
  assert.is(crc32(encodeUtf8('123456789')), 0xcbf43926);
});

test('header: magic PBCF, version, little-endian byte-order mark, length, CRC of the body', () => {
  const record = encodeConfig(sample);
  assert.equal(Array.from(record.slice(0, 4)), [0x50, 0x42, 0x43, 0x46]);
  const view = new DataView(record.buffer);
  assert.is(view.getUint16(4, true), CONFIG_VERSION);
  assert.equal(Array.from(record.slice(6, 8)), [0x02, 0x01]);
  assert.is(view.getUint32(8, true), record.length - 16);
  assert.is(view.getUint32(12, true), crc32(record, 16));
});

test('round trip keeps values and phone classes; defaults store no classes', () => {
  const decoded = decodeConfig(encodeConfig(sample));
  if (typeof decoded === 'string') throw new Error(decoded);
  assert.ok(configEquals(decoded.config, sample));
  assert.equal(decoded.skipped, []);
  assert.is(decoded.fromVersion, CONFIG_VERSION);
  const plain = encodeConfig(DEFAULT_CONFIG);
  assert.ok(plain.length < 40, `default record is ${plain.length} bytes`);
});

test('damage is reported by reason, never thrown', () => {
  const good = encodeConfig(sample);
  assert.is(decodeConfig(good.slice(0, 10)), 'truncated');
  assert.is(decodeConfig(good.slice(0, good.length - 1)), 'truncated');
  const magic = good.slice();
  magic[0] = 0x51;
  assert.is(decodeConfig(magic), 'bad-magic');
  const flipped = good.slice();
  flipped[20] ^= 0x04;
  assert.is(decodeConfig(flipped), 'bad-crc');
  const swapped = good.slice();
  swapped[6] = 0x01;
  swapped[7] = 0x02;
  assert.is(decodeConfig(swapped), 'bad-byte-order');
  assert.is(decodeConfig(frame(CONFIG_VERSION + 1, encodeUtf8('{"v":{}}'))), 'too-new');
  assert.is(decodeConfig(frame(CONFIG_VERSION, encodeUtf8('{"v":'))), 'bad-body');
  assert.is(decodeConfig(frame(CONFIG_VERSION, encodeUtf8('[1,2]'))), 'bad-body');
});

test('entries that no longer fit the schema are skipped and named, the rest loads', () => {
  const body = JSON.stringify({ v: { hostname: 'ok', 'no.such.key': '1', 'lan.prefix': '99' }, pc: [{ name: 'bad', psidLength: 99, bootFile: 'x' }, { name: 7 }] });
  const decoded = decodeConfig(frame(CONFIG_VERSION, encodeUtf8(body)));
  if (typeof decoded === 'string') throw new Error(decoded);
  assert.is(getValue(decoded.config, 'hostname'), 'ok');
  assert.is(getValue(decoded.config, 'lan.prefix'), 24);
  assert.equal(decoded.skipped, ['no.such.key', 'lan.prefix', 'phone-class bad', 'phone-class ?']);
  assert.equal(decoded.config.phoneClasses, []);
});

test('version 1 records migrate: dotted netmask to prefix, dhcp.pool range to two keys', () => {
  const v1 = JSON.stringify({ v: { hostname: 'old', 'lan.address': '10.0.0.1', 'lan.netmask': '255.255.0.0', 'dhcp.pool': '10.0.1.10-10.0.1.99' } });
  const decoded = decodeConfig(frame(1, encodeUtf8(v1)));
  if (typeof decoded === 'string') throw new Error(decoded);
  assert.is(decoded.fromVersion, 1);
  assert.is(getValue(decoded.config, 'lan.prefix'), 16);
  assert.is(getValue(decoded.config, 'dhcp.pool-start'), parseIp('10.0.1.10'));
  assert.is(getValue(decoded.config, 'dhcp.pool-end'), parseIp('10.0.1.99'));
  assert.is(getValue(decoded.config, 'hostname'), 'old');
  assert.equal(decoded.skipped, []);
  // Saved again, it is a version 2 record with the same meaning.
  const again = decodeConfig(encodeConfig(decoded.config));
  if (typeof again === 'string') throw new Error(again);
  assert.is(again.fromVersion, CONFIG_VERSION);
  assert.ok(configEquals(again.config, decoded.config));
});

test('fuzz: mutated and random records never throw', () => {
  const good = encodeConfig(sample);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(), (edits, cut) => {
      const bytes = good.slice(0, good.length - (cut % 4 === 0 ? cut % good.length : 0));
      for (const [at, value] of edits) bytes[at % bytes.length] = value;
      const result = decodeConfig(bytes);
      assert.ok(typeof result === 'string' || typeof result === 'object');
    }),
    { numRuns: 2000, seed: 3 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      decodeConfig(bytes);
    }),
    { numRuns: 1000, seed: 4 },
  );
  // Bodies with a valid CRC but hostile JSON shapes.
  fc.assert(
    fc.property(fc.jsonValue(), (json) => {
      const r = decodeConfig(frame(CONFIG_VERSION, encodeUtf8(JSON.stringify({ v: json, pc: [json] }))));
      assert.ok(typeof r === 'string' || typeof r === 'object');
      decodeConfig(frame(1, encodeUtf8(JSON.stringify(json))));
    }),
    { numRuns: 500, seed: 5 },
  );
});

test.run();
