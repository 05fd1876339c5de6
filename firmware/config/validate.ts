// Cross-key rules of the configuration. Each problem names the key (or phone class) at fault so the
// console can say exactly which word is wrong; errors refuse the change, warnings only inform.
import { getValue, type RouterConfig } from './model';
import { ipToString, prefixMask, sameSubnet } from '../util/ipv4';

export interface ConfigProblem {
  readonly severity: 'error' | 'warning';
  /** Schema key, or `phone-class <name>`. */
  readonly key: string;
  readonly message: string;
}

/** Number of size-aligned port blocks between `first` and 65535 (RFC 7597 arithmetic, offset 0). */
export function portBlockCount(blockSize: number, first: number): number {
  const firstBlock = Math.ceil(first / blockSize);
  const blocksInSpace = 65536 / blockSize;
  return Math.max(0, blocksInSpace - firstBlock);
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
  const subnet = `${ipToString(network)}/${prefix}`;
  if (lan === network || lan === broadcast) error('lan.address', `${ipToString(lan)} is the network or broadcast address of ${subnet}`);

  const start = v('dhcp.pool-start') as number;
  const end = v('dhcp.pool-end') as number;
  for (const [key, ip] of [['dhcp.pool-start', start], ['dhcp.pool-end', end]] as const) {
    if (!sameSubnet(ip, lan, prefix)) error(key, `${ipToString(ip)} is outside the LAN subnet ${subnet}`);
    else if (ip === network || ip === broadcast) error(key, `${ipToString(ip)} is the network or broadcast address of ${subnet}`);
  }
  if (start > end) error('dhcp.pool-end', `pool end ${ipToString(end)} is below pool start ${ipToString(start)}`);
  else if (lan >= start && lan <= end) error('dhcp.pool-start', `the pool ${ipToString(start)}-${ipToString(end)} covers the router's own address ${ipToString(lan)}`);
  const dns = v('dhcp.dns') as number | undefined;
  if (dns !== undefined && (dns === 0 || dns === 0xffffffff)) error('dhcp.dns', `${ipToString(dns)} is not a usable server address`);

  const blockSize = v('ports.block-size') as number;
  const first = v('ports.first') as number;
  const blocks = portBlockCount(blockSize, first);
  if (blocks < 1) error('ports.block-size', `no ${blockSize}-port block fits between port ${first} and 65535`);
  else if (start <= end && end - start + 1 > blocks) {
    warn('ports.block-size', `${blocks} blocks of ${blockSize} ports for ${end - start + 1} pool addresses: phones beyond ${blocks} get no block`);
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

  const names = new Set<string>();
  for (const phoneClass of config.phoneClasses) {
    const where = `phone-class ${phoneClass.name}`;
    if (names.has(phoneClass.name)) error(where, 'defined twice');
    names.add(phoneClass.name);
    if (phoneClass.vendorClasses.length === 0 && phoneClass.macPrefixes.length === 0) {
      warn(where, 'has neither a vendor-class nor a mac prefix, so no device matches it');
    }
    if (phoneClass.bootFile === undefined) warn(where, 'has no boot-file');
  }
  return problems;
}

export function errorsOf(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return problems.filter((p) => p.severity === 'error');
}
