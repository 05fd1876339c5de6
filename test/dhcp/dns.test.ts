// Option 6 names only DNS servers the owner configured: `dhcp.dns none` (the default) sends none,
// a list sends that list, and `router` stands for the router's LAN address (where something on
// the router answers DNS, as OpenWrt's dnsmasq does in router mode), only when set.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MessageType, Opt } from '../../firmware/wire/dhcp';
import { Harness, ROUTER_IP, ip, testConfig } from './harness';
import { TestClient, macOf } from './client';
import { CONFIG_KEYS } from '../../firmware/config/schema';
import { DEFAULT_CONFIG, dhcpConfigOf, getValue, withValue } from '../../firmware/config/model';
import { validateDhcpConfig } from '../../firmware/dhcp/config';

const YEALINK = { vendorClass: 'yealink SIP-T46G' };
const GUEST = { vendorClass: 'MSFT 5.0' };

/** Option 6 of the OFFER, the ACK and an INFORM answer, for a phone and a guest (all ask for 6). */
function dnsSeen(dns: readonly string[]): (number[] | undefined)[] {
  const h = new Harness(testConfig({ dns }));
  const seen: (number[] | undefined)[] = [];
  for (const [n, options] of [[1, YEALINK], [2, GUEST]] as const) {
    const client = new TestClient(macOf(n), options);
    const offer = h.send(client.discover(), 0)[0].reply;
    const ack = h.send(client.select(offer), 10)[0].reply;
    assert.is(ack.type, MessageType.ACK);
    const inform = h.send(client.inform(ack.yiaddr), 20, { broadcast: false, srcIp: ack.yiaddr })[0].reply;
    seen.push(offer.dns, ack.dns, inform.dns);
  }
  return seen;
}

test('dhcp.dns none (the default): no option 6, even when the client asks for it', () => {
  assert.equal(dnsSeen(dhcpConfigOf(DEFAULT_CONFIG).dns), [undefined, undefined, undefined, undefined, undefined, undefined]);
  const h = new Harness();
  const offer = h.send(new TestClient(macOf(3), { ...YEALINK, parameterList: [1, 3, 6, 15] }).discover(), 0)[0];
  assert.not.ok(offer.reply.message.options.has(Opt.DNS), 'asked for 6, still not told of a server that is not there');
});

test('dhcp.dns with addresses: exactly that list, in that order', () => {
  const list = [ip('9.9.9.9'), ip('1.1.1.1')];
  assert.equal(dnsSeen(['9.9.9.9', '1.1.1.1']), [list, list, list, list, list, list]);
});

test("dhcp.dns router: the router's LAN address, alone or among others", () => {
  const alone = [ROUTER_IP];
  assert.equal(dnsSeen(['router']), [alone, alone, alone, alone, alone, alone]);
  const mixed = [ROUTER_IP, ip('9.9.9.9')];
  assert.equal(dnsSeen(['router', '9.9.9.9']), [mixed, mixed, mixed, mixed, mixed, mixed]);
  assert.equal(validateDhcpConfig(testConfig({ dns: ['router', '9.9.9.9'] })), []);
  assert.equal(validateDhcpConfig(testConfig({ dns: ['gateway'] })), ["dns: 'gateway' is not an IPv4 address or 'router'"]);
});

test('the dhcp.dns key: none, addresses or router; its default and help say no server is sent', () => {
  const def = CONFIG_KEYS.find((d) => d.key === 'dhcp.dns')!;
  const parse = (text: string) => def.type.parse(text);
  assert.equal(parse('none'), { ok: true, value: '' });
  assert.equal(parse('router'), { ok: true, value: 'router' });
  assert.equal(parse('ROUTER,9.9.9.9'), { ok: true, value: 'router,9.9.9.9' });
  assert.equal(parse('9.9.9.9,1.1.1.1'), { ok: true, value: '9.9.9.9,1.1.1.1' });
  assert.equal(parse('router,router'), { ok: false, reason: "'router' listed twice" });
  assert.equal(parse('router,x'), { ok: false, reason: "'x' is not an IPv4 address or 'router'" });
  assert.is(def.type.format('router,9.9.9.9'), 'router,9.9.9.9');
  assert.is(def.type.format(''), 'none');
  assert.match(def.type.syntax, /router/);
  assert.is(def.defaultValue, '');
  assert.not.match(def.help, /none = the router/);
  assert.match(def.help, /none = no DNS server is sent/);
  const config = withValue(DEFAULT_CONFIG, 'dhcp.dns', 'router,9.9.9.9');
  assert.is(getValue(config, 'dhcp.dns'), 'router,9.9.9.9');
  assert.equal(dhcpConfigOf(config).dns, ['router', '9.9.9.9']);
  assert.equal(dhcpConfigOf(DEFAULT_CONFIG).dns, []);
});

test.run();
