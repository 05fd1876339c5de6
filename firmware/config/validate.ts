// Cross-key rules of the configuration. Each problem names the key (or phone class) at fault so the
// console can say exactly which word is wrong; errors refuse the change, warnings only inform.
import { dhcpConfigOf, getValue, napptConfigOf, type RouterConfig } from './model';
import { validateNapptConfig } from '../nappt/config';
import { parsePortRanges } from './valueTypes';
import { validateDhcpConfig } from '../dhcp/config';
import { ipToString, prefixMask, sameSubnet, subnetToString } from '../util/ipv4';

export interface ConfigProblem {
  readonly severity: 'error' | 'warning';
  /** Schema key, `phone-class <name>`, or `dhcp` for a rule of the DHCP server as a whole. */
  readonly key: string;
  readonly message: string;
}

export interface PortRange {
  readonly first: number;
  readonly last: number;
}

/**
 * Size-aligned blocks of 2^(16-psidLength) ports (RFC 7597 arithmetic, offset 0) that avoid the
 * well-known ports 0-1023 and every reserved range: how many phones of that class can get a block.
 */
export function usablePortBlocks(psidLength: number, reserved: readonly PortRange[]): number {
  const size = 2 ** (16 - psidLength);
  const ranges = [{ first: 0, last: 1023 }, ...reserved];
  let usable = 0;
  for (let first = 0; first < 65536; first += size) {
    const last = first + size - 1;
    if (!ranges.some((r) => r.first <= last && first <= r.last)) usable++;
  }
  return usable;
}

export function validateConfig(config: RouterConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const error = (key: string, message: string) => problems.push({ severity: 'error', key, message });
  const warn = (key: string, message: string) => problems.push({ severity: 'warning', key, message });
  const v = (key: string) => getValue(config, key);

  const lan = v('lan.address') as number;
  const prefix = v('lan.prefix') as number;
  const mask = prefixMask(prefix);
  const network = (lan & mask) >>> 0;
  const broadcast = (network | ~mask) >>> 0;
  const subnet = subnetToString(lan, prefix);
  if (lan === network || lan === broadcast) error('lan.address', `${ipToString(lan)} is the network or broadcast address of ${subnet}`);

  const pools = [
    ['dhcp.pool-start', 'dhcp.pool-end', 'phone pool'],
    ['dhcp.guest-pool-start', 'dhcp.guest-pool-end', 'guest pool'],
  ] as const;
  for (const [startKey, endKey, what] of pools) {
    const start = v(startKey) as number;
    const end = v(endKey) as number;
    let placed = true;
    for (const [key, ip] of [[startKey, start], [endKey, end]] as const) {
      if (!sameSubnet(ip, lan, prefix)) error(key, `${ipToString(ip)} is outside the LAN subnet ${subnet}`);
      else if (ip === network || ip === broadcast) error(key, `${ipToString(ip)} is the network or broadcast address of ${subnet}`);
      else continue;
      placed = false;
    }
    if (!placed) continue; // order and coverage only mean something inside the subnet
    if (start > end) error(endKey, `${what} end ${ipToString(end)} is below its start ${ipToString(start)}`);
    else if (lan >= start && lan <= end) error(startKey, `the ${what} ${ipToString(start)}-${ipToString(end)} covers the router's own address ${ipToString(lan)}`);
  }
  const gStart = v('dhcp.guest-pool-start') as number;
  const gEnd = v('dhcp.guest-pool-end') as number;
  const pStart = v('dhcp.pool-start') as number;
  const pEnd = v('dhcp.pool-end') as number;
  if (pStart <= gEnd && gStart <= pEnd) error('dhcp.guest-pool-start', `the guest pool ${ipToString(gStart)}-${ipToString(gEnd)} overlaps the phone pool ${ipToString(pStart)}-${ipToString(pEnd)}`);

  const reserved = parsePortRanges(v('dhcp.reserved-ports') as string);
  const poolSize = pEnd >= pStart ? pEnd - pStart + 1 : 0;
  for (const phoneClass of config.phoneClasses) {
    if (!Number.isInteger(phoneClass.psidLength) || phoneClass.psidLength < 1 || phoneClass.psidLength > 15) continue; // reported by the DHCP rules below
    const size = 2 ** (16 - phoneClass.psidLength);
    const blocks = usablePortBlocks(phoneClass.psidLength, reserved);
    const where = `phone-class ${phoneClass.name}`;
    if (blocks < 1) error(where, `no ${size}-port block fits outside ports 0-1023 and dhcp.reserved-ports`);
    else if (blocks < poolSize) warn(where, `only ${blocks} blocks of ${size} ports for ${poolSize} phone addresses: phones beyond ${blocks} get no block`);
    if (phoneClass.vendorClasses.length === 0 && phoneClass.macs.length === 0) warn(where, 'has neither a vendor-class nor a mac, so it admits every client');
    if (phoneClass.bootFile === '') warn(where, 'has no boot-file');
  }

  if (v('wan.mode') === 'static') {
    const wan = v('wan.address') as number | undefined;
    const gateway = v('wan.gateway') as number | undefined;
    const wanPrefix = v('wan.prefix') as number;
    if (wan === undefined) error('wan.address', 'wan.mode static needs wan.address');
    if (gateway === undefined) error('wan.gateway', 'wan.mode static needs wan.gateway');
    if (wan !== undefined && gateway !== undefined) {
      if (wanPrefix < 32 && !sameSubnet(wan, gateway, wanPrefix)) error('wan.gateway', `${ipToString(gateway)} is outside the WAN subnet of ${ipToString(wan)}/${wanPrefix}`);
      if (wan === gateway) error('wan.gateway', 'the gateway is the WAN address itself');
    }
    if (wan !== undefined && sameSubnet(wan, lan, Math.min(prefix, wanPrefix))) error('wan.address', `${ipToString(wan)} overlaps the LAN subnet ${subnet}`);
  }

  const natPool = napptConfigOf(config).pool;
  const covered = (port: number) => reserved.some((r) => r.first <= port && port <= r.last);
  let outside = -1;
  for (let port = natPool.first; port <= natPool.last && outside < 0; port++) if (!covered(port)) outside = port;
  if (outside >= 0) error('nat.pool', `port ${outside} is outside dhcp.reserved-ports, so it could collide with a phone block`);
  for (const message of validateNapptConfig(napptConfigOf(config))) error('nat', message);

  // The DHCP server's own rules (class patterns, options, ranges); skip what is reported above.
  for (const message of validateDhcpConfig(dhcpConfigOf(config))) {
    const classMatch = /^class '([^']*)'(?::)? ?(.*)$/.exec(message);
    if (classMatch) error(`phone-class ${classMatch[1]}`, classMatch[2]);
    else if (!/^(pool|guestPool)( |:)|overlap/.test(message)) error('dhcp', message);
  }
  return problems;
}

export function errorsOf(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return problems.filter((p) => p.severity === 'error');
}
