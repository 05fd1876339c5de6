// Phone admission: the matrix (MAC allowed x vendor class right), MAC checked first, binary
// Polycom-style and string vendor classes, RFC 3925 enterprise numbers, guest vs silence.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { admit, compileClasses } from '../../firmware/dhcp/admission';
import { parseMacPattern, parseVendorPattern, validateDhcpConfig, type PhoneClass } from '../../firmware/dhcp/config';
import { DEFAULT_DHCP_CONFIG, PHONE_CLASSES } from '../../firmware/dhcp/defaults';
import { MessageType } from '../../firmware/wire/dhcp';
import { Harness, testConfig } from './harness';
import { TestClient, macOf, polycomVendorClass } from './client';

const text = (value: string) => new TextEncoder().encode(value);
const yealink = PHONE_CLASSES.find((c) => c.name === 'yealink')!;
const allowlisted: PhoneClass = { ...yealink, name: 'desk', macs: ['80:5e:c0', '00:15:65:aa:bb:cc'] };

test('admission matrix: MAC x vendor class, and the MAC is checked first', () => {
  const classes = compileClasses([allowlisted]);
  const okMac = Uint8Array.of(0x80, 0x5e, 0xc0, 1, 2, 3);
  const exactMac = Uint8Array.of(0x00, 0x15, 0x65, 0xaa, 0xbb, 0xcc);
  const badMac = Uint8Array.of(0x00, 0x15, 0x65, 0xaa, 0xbb, 0xcd);
  assert.equal(admit(classes, { mac: okMac, vendorClass: text('yealink SIP-T46U') }), { admitted: true, phoneClass: allowlisted });
  assert.equal(admit(classes, { mac: exactMac, vendorClass: text('Yealink') }), { admitted: true, phoneClass: allowlisted });
  assert.equal(admit(classes, { mac: okMac, vendorClass: text('MSFT 5.0') }), { admitted: false, reason: 'vendor-class-mismatch' });
  assert.equal(admit(classes, { mac: okMac }), { admitted: false, reason: 'vendor-class-mismatch' });
  // Right vendor class but the MAC is not on the list: refused for the MAC, vendor class not consulted.
  assert.equal(admit(classes, { mac: badMac, vendorClass: text('yealink') }), { admitted: false, reason: 'mac-not-allowed' });
  assert.equal(admit(classes, { mac: badMac, vendorClass: text('MSFT 5.0') }), { admitted: false, reason: 'mac-not-allowed' });
});

test('admission through the server: phone lease with range, guest or silence per configuration', () => {
  const phoneMac = Uint8Array.of(0x80, 0x5e, 0xc0, 1, 2, 3);
  const strangerMac = Uint8Array.of(0x00, 0x11, 0x22, 1, 2, 3);
  for (const unknownClients of ['guest', 'ignore'] as const) {
    const h = new Harness(testConfig({ classes: [allowlisted], unknownClients }));
    const phone = h.send(new TestClient(phoneMac, { vendorClass: 'yealink' }).discover(), 0);
    assert.is(phone.length, 1);
    assert.ok(phone[0].reply.hasPortParams, 'phone: range');
    const cases = [
      new TestClient(phoneMac, { vendorClass: 'MSFT 5.0' }, 2), // MAC allowed, vendor class wrong
      new TestClient(strangerMac, { vendorClass: 'yealink' }, 3), // MAC not allowed, vendor class right
      new TestClient(strangerMac, { vendorClass: 'MSFT 5.0' }, 4), // neither
    ];
    for (const client of cases) {
      // A MAC is one client (one lease): each case asks again as what it is now.
      const sent = h.send(client.discover(), 10);
      if (unknownClients === 'ignore') assert.equal(sent, [], 'silence');
      else {
        assert.is(sent.length, 1);
        assert.is(sent[0].reply.type, MessageType.OFFER);
        assert.not.ok(sent[0].reply.hasPortParams, 'guest: no range');
        assert.ok(sent[0].reply.yiaddr >= 0xc0a801c8, 'guest pool');
      }
    }
    assert.is(h.counter('admission.vendor-class-mismatch'), 1);
    assert.is(h.counter('admission.mac-not-allowed'), 2);
  }
});

test('Polycom-style binary vendor class and string classes are admitted by their patterns', () => {
  const classes = compileClasses(PHONE_CLASSES);
  const mac = macOf(1);
  const cases: [Uint8Array, string][] = [
    [polycomVendorClass(), 'polycom'],
    [text('Cisco Systems, Inc. IP Phone CP-8841'), 'cisco'],
    [text('yealink'), 'yealink'],
    [text('Grandstream GXP2170 dslforum.org'), 'grandstream'],
    [text('snomD785'), 'snom'],
    [text('ccp.avaya.com'), 'avaya'],
  ];
  for (const [vendorClass, expected] of cases) {
    const result = admit(classes, { mac, vendorClass });
    assert.ok(result.admitted, expected);
    if (result.admitted) assert.is(result.phoneClass.name, expected);
  }
  // The enterprise number also matches in option 124 (RFC 3925 V-I vendor class).
  const vi = Uint8Array.of(0, 0, 0x36, 0x3d, 3, 1, 1, 0x41);
  const byVi = admit(classes, { mac, vendorClass: text('something'), viVendorClass: vi });
  assert.ok(byVi.admitted && byVi.phoneClass.name === 'polycom');
  assert.not.ok(admit(classes, { mac, vendorClass: text('udhcp 1.36.1') }).admitted);
  // 'exact' means exact.
  assert.not.ok(admit(classes, { mac, vendorClass: text('ccp.avaya.com.x') }).admitted);
  // A byte pattern with wildcards.
  const wild = compileClasses([{ ...yealink, name: 'w', vendorClasses: ['hex:00??363d'] }]);
  assert.ok(admit(wild, { mac, vendorClass: polycomVendorClass() }).admitted);
  assert.not.ok(admit(wild, { mac, vendorClass: Uint8Array.of(0, 0, 0x36) }).admitted, 'shorter than the pattern');
});

test('a Polycom with binary option 60 gets a 128-port block and a string-class phone a 64-port one', () => {
  const h = new Harness();
  const poly = h.send(new TestClient(macOf(1, [0x00, 0x04, 0xf2]), { vendorClass: polycomVendorClass() }).discover(), 0)[0].reply;
  const yea = h.send(new TestClient(macOf(2), { vendorClass: 'yealink' }).discover(), 0)[0].reply;
  assert.is(poly.portParams!.psidLength, 9);
  assert.is(yea.portParams!.psidLength, 10);
});

test('pattern parsing gives clear errors; the defaults validate', () => {
  assert.equal(validateDhcpConfig(DEFAULT_DHCP_CONFIG), []);
  assert.not.ok(parseVendorPattern('yealink').ok);
  assert.match((parseVendorPattern('hex:0g') as { error: string }).error, /not a hex byte/);
  assert.match((parseVendorPattern('hex:123') as { error: string }).error, /even/);
  assert.match((parseVendorPattern('enterprise:-1') as { error: string }).error, /enterprise number/);
  assert.ok(parseVendorPattern('enterprise:13885').ok);
  assert.ok(parseMacPattern('00:04:f2').ok);
  assert.ok(parseMacPattern('00-04-F2-11-22-33').ok);
  assert.not.ok(parseMacPattern('00:04').ok);
  const bad = validateDhcpConfig({
    ...DEFAULT_DHCP_CONFIG,
    blockQuarantine: 60,
    classes: [{ ...yealink, psidLength: 13, macs: ['zz'], options: [{ code: 300, text: 'x' }] }],
  });
  assert.ok(bad.some((e) => /blockQuarantine/.test(e)));
  assert.ok(bad.some((e) => /psidLength must be 1\.\.12/.test(e)));
  assert.ok(bad.some((e) => /MAC 'zz'/.test(e)));
  assert.ok(bad.some((e) => /option code 300/.test(e)));
  for (const phoneClass of PHONE_CLASSES) assert.ok(['high', 'medium', 'low'].includes(phoneClass.confidence));
});

test.run();
