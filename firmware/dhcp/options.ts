// The options a DHCP client is offered (RFC 2132, RFC 7618 port parameters, a class's own raw
// options): which may be sent, which always are, and the boot file. Pure: config and network in.
import { ipToString, parseIp, prefixMask } from '../util/ipv4';
import { Opt } from '../wire/dhcp';
import { ipListValue, portParamsValue, subOptionsValue, textValue, u16Value, u32Value } from '../wire/dhcp-options';
import { DNS_ROUTER, rawOptionBytes, type DhcpConfig, type PhoneClass } from './config';
import type { PortBlock } from './types';

/** The router's LAN side as the server's replies name it. */
export interface ServedNetwork {
  readonly ip: number;
  readonly prefixLength: number;
}

export interface OfferedOptions {
  readonly offered: Map<number, Uint8Array>;
  readonly always: number[];
  readonly file: string | undefined;
}

/** The TFTP server phones are told of: the router itself unless the configuration names one. */
export function tftpServerOf(config: DhcpConfig, network: ServedNetwork): number {
  return config.tftpServer === 'auto' ? network.ip : (parseIp(config.tftpServer) ?? 0);
}

/** The options a client of this class may get; what is sent depends on its request list. */
export function offeredOptions(
  config: DhcpConfig, network: ServedNetwork, phoneClass: PhoneClass | undefined, block: PortBlock | undefined,
): OfferedOptions {
  const offered = new Map<number, Uint8Array>();
  const always: number[] = [Opt.SUBNET_MASK, Opt.ROUTER];
  offered.set(Opt.SUBNET_MASK, u32Value(prefixMask(network.prefixLength)));
  const router = config.router === 'auto' ? network.ip : (parseIp(config.router) ?? network.ip);
  offered.set(Opt.ROUTER, ipListValue([router]));
  // Only servers the owner named: a phone told of a DNS server that is not there fails its lookups.
  if (config.dns.length > 0) {
    offered.set(Opt.DNS, ipListValue(config.dns.map((text) => (text === DNS_ROUTER ? network.ip : (parseIp(text) ?? 0)))));
    always.push(Opt.DNS);
  }
  if (config.ntp.length > 0) {
    offered.set(Opt.NTP, ipListValue(config.ntp.map((text) => parseIp(text) ?? 0)));
    always.push(Opt.NTP);
  }
  if (!phoneClass) return { offered, always, file: undefined };
  const tftp = tftpServerOf(config, network);
  offered.set(Opt.TFTP_SERVER_NAME, textValue(ipToString(tftp)));
  offered.set(Opt.TFTP_SERVERS, ipListValue([tftp]));
  offered.set(Opt.BOOTFILE, textValue(phoneClass.bootFile));
  always.push(Opt.TFTP_SERVER_NAME, Opt.BOOTFILE, Opt.TFTP_SERVERS);
  if (block) {
    // RFC 7618 option 159: offered only when asked for, unless the class forces it.
    offered.set(Opt.PORT_PARAMS, portParamsValue({ offset: 0, psidLength: block.psidLength, psid: block.psid }));
    if (phoneClass.sendPortParams === 'always') always.push(Opt.PORT_PARAMS);
    const sub = phoneClass.portRangeSubOptions;
    if (sub) {
      offered.set(Opt.VENDOR_SPECIFIC, subOptionsValue([
        { code: sub.first, value: u16Value(block.first) },
        { code: sub.last, value: u16Value(block.last) },
      ]));
      always.push(Opt.VENDOR_SPECIFIC);
    }
  }
  for (const raw of phoneClass.options) {
    const bytes = rawOptionBytes(raw);
    if (bytes.ok) {
      offered.set(raw.code, bytes.value);
      if (!always.includes(raw.code)) always.push(raw.code);
    }
  }
  return { offered, always, file: phoneClass.bootFile };
}
