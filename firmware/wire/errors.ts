// The shared WireError union: every reason a parser can give, which is also the counter name
// under which the stack counts the drop (e.g. 'ipv4.bad-checksum').
import { ArpError } from './arp';
import { EthernetError } from './ethernet';
import { IcmpError } from './icmp';
import { Ipv4Error } from './ipv4';
import { TcpError } from './tcp';
import { UdpError } from './udp';

export type WireError = EthernetError | ArpError | Ipv4Error | UdpError | TcpError | IcmpError;

/** Every WireError value, for tests and for `show stats` listings. */
export const WIRE_ERRORS: readonly WireError[] = [EthernetError, ArpError, Ipv4Error, UdpError, TcpError, IcmpError].flatMap(
  (reasons) => Object.values(reasons) as WireError[],
);

/** Parsers return a Repr object or a reason string; this tells them apart. */
export function isWireError(result: unknown): result is WireError {
  return typeof result === 'string';
}
