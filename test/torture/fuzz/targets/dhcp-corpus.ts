// Valid DHCP client messages the DHCP targets mutate: every message type, phones of several vendors
// (text and RFC 3925 option 60, option 124/125), client identifiers, a split (RFC 3396) option and
// options overloaded into file and sname.
import { MessageType, Opt, FILE, SNAME, OPTIONS } from '../../../../firmware/wire/dhcp';
import { TestClient, macOf, polycomVendorClass } from '../../../dhcp/client';
import type { Seed } from '../mutate';

const ROUTER = 0xc0a80101;
const text = (value: string): Uint8Array => new TextEncoder().encode(value);
/** chaddr and every option-length field the mutations can aim at, and where the options start. */
const SHAPE = { lengthFields: [[2, 1], [242, 1], [245, 1], [248, 1]] as const, tlvStart: OPTIONS };

function vivco(enterprise: number): Uint8Array {
  const data = text('model=T46S');
  return Uint8Array.from([enterprise >>> 24, (enterprise >>> 16) & 255, (enterprise >>> 8) & 255, enterprise & 255, data.length, ...data]);
}

/** A DISCOVER whose parameter list and vendor class live in file and sname (option 52 = 3). */
function overloaded(): Uint8Array {
  const bytes = new TestClient(macOf(77)).discover();
  const out = bytes.slice();
  const at = OPTIONS + 3; // after option 53
  out.set([Opt.OVERLOAD, 1, 3, Opt.END], at);
  out.fill(0, at + 4);
  out.set([Opt.PARAMETER_LIST, 4, 1, 3, 66, 67, Opt.END], FILE);
  const vc = text('yealink');
  out.set([Opt.VENDOR_CLASS, vc.length, ...vc, Opt.END], SNAME);
  return out;
}

/** Option 60 split over two instances (RFC 3396), which the parser joins. */
function splitOption(): Uint8Array {
  const long = text('Cisco Systems, Inc. IP Phone CP-8841 '.repeat(8)).subarray(0, 300);
  return new TestClient(macOf(78, [0x00, 0x1b, 0x54]), { vendorClass: long }).discover();
}

export function dhcpSeeds(): Seed[] {
  const clients = [
    new TestClient(macOf(1, [0x80, 0x5e, 0xc0]), { vendorClass: 'yealink' }),
    new TestClient(macOf(2, [0x00, 0x04, 0xf2]), { vendorClass: polycomVendorClass() }),
    new TestClient(macOf(3, [0x00, 0x1b, 0x54]), { vendorClass: 'Cisco Systems, Inc. IP Phone CP-7841', clientId: Uint8Array.of(1, 0, 0x1b, 0x54, 0, 0, 3) }),
    new TestClient(macOf(4, [0x00, 0x0b, 0x82]), { vendorClass: 'Grandstream GXP2170', extraOptions: [{ code: 124, value: vivco(42397) }, { code: 125, value: vivco(42397) }] }),
    new TestClient(macOf(5, [0x3c, 0x22, 0xfb]), { broadcastFlag: true, maxMessageSize: 1500 }),
    new TestClient(macOf(6, [0x00, 0x15, 0x65]), { vendorClass: 'yealink', parameterList: [1, 3, 6, 15, 42, 43, 66, 67, 150, 159, 242] }),
  ];
  const messages: Uint8Array[] = [];
  for (const [i, c] of clients.entries()) {
    const ip = ROUTER + 99 + i;
    messages.push(c.discover(), c.discover(ip), c.build(MessageType.REQUEST, { requested: ip, serverId: ROUTER }), c.initReboot(ip), c.renew(ip), c.decline(ip, ROUTER), c.release(ip, ROUTER), c.inform(ip));
  }
  messages.push(overloaded(), splitOption());
  return messages.map((bytes) => ({ bytes, shape: SHAPE }));
}
