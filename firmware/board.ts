// Boards are data: board/<name>.json describes one router (console, ports, MACs, flash, arch).
// validateBoard checks such a JSON value field by field and returns a normalised BoardSpec or every error.
import type { BoardInfo, FlashKind } from '../hal/hal';
import { parseMac } from './util/mac';

export type Arch = 'mips' | 'mipsel' | 'armhf' | 'aarch64' | 'x86_64' | 'sim';
export type ByteOrder = 'little' | 'big';
/** dsa: one netdev per switch port; swconfig: VLAN subinterfaces of the CPU port; plain: ordinary NICs. */
export type SwitchKind = 'dsa' | 'swconfig' | 'plain';
export type Forwarding = 'kernel' | 'ports';
export type Offload = 'none' | 'software' | 'hardware';

/** Where a port's MAC comes from (OpenWrt's 02_network reads them the same ways). */
export type MacSource =
  | { readonly source: 'fixed'; readonly address: string; readonly increment: number }
  /** Six binary bytes in an MTD partition (`mtd_get_mac_binary factory 0xe006`). */
  | { readonly source: 'mtd'; readonly partition: string; readonly offset: number; readonly increment: number }
  /** A text variable in the U-Boot environment (`mtd_get_mac_ascii u-boot-env ethaddr`). */
  | { readonly source: 'uboot-env'; readonly partition: string; readonly key: string; readonly increment: number }
  /** Whatever MAC the interface already has (hosts, veth pairs in the namespace rig). */
  | { readonly source: 'interface'; readonly increment: number };

export interface PortSpec {
  /** Netdev names: DSA labels (lan1..lan4), VLAN subinterfaces (eth0.1) or NICs. LAN may bridge several. */
  readonly interfaces: readonly string[];
  /** swconfig only: the VLAN id of this port on the switch. */
  readonly vlan: number | undefined;
  readonly mtu: number;
  readonly mac: MacSource;
}

export interface FlashSpec {
  readonly kind: FlashKind;
  /** MTD partition name (as in /proc/mtd) holding the store. */
  readonly partition: string;
  readonly size: number;
  readonly blockSize: number;
  readonly programUnit: number;
  readonly factoryBadBlocks: readonly number[];
}

export interface BoardSpec {
  readonly name: string;
  readonly description: string | undefined;
  readonly arch: Arch;
  readonly byteOrder: ByteOrder;
  readonly console: { readonly device: string; readonly baud: number };
  /** swconfig: the CPU port netdevs (several when LAN and WAN leave the switch on different ones). */
  readonly switch: { readonly kind: SwitchKind; readonly cpuInterfaces: readonly string[] };
  readonly ports: { readonly lan: PortSpec; readonly wan: PortSpec };
  readonly flash: FlashSpec;
  readonly memoryBudgetKiB: number;
  /** Watchdog device the native runtime keeps alive, if the board has one. */
  readonly watchdog: string | undefined;
  /** Who forwards between LAN and WAN: the kernel, programmed by the firmware (router mode), or the firmware itself on raw ports. */
  readonly forwarding: Forwarding;
  /** Router mode: the flowtable offload the SoC supports (hardware needs a PPE, e.g. MT7621/Filogic). */
  readonly offload: Offload;
  /** Where each fact came from: a field path (`ports.lan.mac`) -> the OpenWrt file that says it. */
  readonly sources: Readonly<Record<string, string>>;
}

export type BoardResult = { readonly ok: true; readonly board: BoardSpec } | { readonly ok: false; readonly errors: string[] };

export const ARCHES: readonly Arch[] = ['mips', 'mipsel', 'armhf', 'aarch64', 'x86_64', 'sim'];
/** Byte order each real arch implies; `sim` may pretend either. */
const ARCH_BYTE_ORDER: Record<Arch, ByteOrder | undefined> = {
  mips: 'big',
  mipsel: 'little',
  armhf: 'little',
  aarch64: 'little',
  x86_64: 'little',
  sim: undefined,
};
export const BAUD_RATES: readonly number[] = [9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1500000];
const SWITCH_KINDS: readonly SwitchKind[] = ['dsa', 'swconfig', 'plain'];
const MAC_SOURCES = ['fixed', 'mtd', 'uboot-env', 'interface'];
/** Netdev names fit IFNAMSIZ (16 with the NUL). */
const INTERFACE_NAME = /^[A-Za-z0-9_.@:-]{1,15}$/;
const BOARD_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const DEVICE_NAME = /^[A-Za-z0-9_./-]{1,64}$/;
const PARTITION_NAME = /^[A-Za-z0-9_.-]{1,32}$/;
/** Keys that editors and humans add and the firmware ignores. */
const IGNORED_KEYS = new Set(['$schema', '//']);
/** A key of `sources`: the dotted path of a field in the same file. */
const FIELD_PATH = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

/** Collects errors with the JSON path of the field they are about. */
class Checker {
  readonly errors: string[] = [];

  fail(path: string, message: string): undefined {
    this.errors.push(`${path}: ${message}`);
    return undefined;
  }

  object(value: unknown, path: string, known: readonly string[]): Record<string, unknown> | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.fail(path, 'expected an object');
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!known.includes(key) && !IGNORED_KEYS.has(key)) this.fail(`${path}.${key}`, `unknown field (known: ${known.join(', ')})`);
    }
    return record;
  }

  string(value: unknown, path: string, pattern: RegExp, what: string): string | undefined {
    if (typeof value !== 'string') return this.fail(path, `expected ${what} (a string)`);
    if (!pattern.test(value)) return this.fail(path, `${JSON.stringify(value)} is not ${what}`);
    return value;
  }

  optionalString(value: unknown, path: string, pattern: RegExp, what: string): string | undefined {
    return value === undefined ? undefined : this.string(value, path, pattern, what);
  }

  oneOf<T extends string | number>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
    if (!allowed.includes(value as T)) return this.fail(path, `expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
    return value as T;
  }

  integer(value: unknown, path: string, min: number, max: number): number | undefined {
    if (typeof value !== 'number' || !Number.isInteger(value)) return this.fail(path, `expected an integer, got ${JSON.stringify(value)}`);
    if (value < min || value > max) return this.fail(path, `${value} is outside ${min}..${max}`);
    return value;
  }
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

function checkMac(c: Checker, value: unknown, path: string): MacSource | undefined {
  const raw = c.object(value, path, ['source', 'address', 'partition', 'offset', 'key', 'increment']);
  if (!raw) return undefined;
  const source = c.oneOf(raw.source, `${path}.source`, MAC_SOURCES);
  const increment = raw.increment === undefined ? 0 : c.integer(raw.increment, `${path}.increment`, -255, 255);
  if (increment === undefined) return undefined;
  const forbid = (fields: string[]): void => {
    for (const field of fields) if (raw[field] !== undefined) c.fail(`${path}.${field}`, `not used with source "${String(source)}"`);
  };
  switch (source) {
    case 'fixed': {
      forbid(['partition', 'offset', 'key']);
      if (typeof raw.address !== 'string') return c.fail(`${path}.address`, 'expected a MAC like 02:00:00:00:00:01');
      const mac = parseMac(raw.address);
      if (!mac) return c.fail(`${path}.address`, `${JSON.stringify(raw.address)} is not a MAC like 02:00:00:00:00:01`);
      if (mac[0] & 1) return c.fail(`${path}.address`, 'is a multicast MAC; a port needs a unicast one');
      return { source, address: raw.address.toLowerCase(), increment };
    }
    case 'mtd': {
      forbid(['address', 'key']);
      const partition = c.string(raw.partition, `${path}.partition`, PARTITION_NAME, 'an MTD partition name');
      const offset = c.integer(raw.offset, `${path}.offset`, 0, 0x7fffffff);
      return partition !== undefined && offset !== undefined ? { source, partition, offset, increment } : undefined;
    }
    case 'uboot-env': {
      forbid(['address', 'offset']);
      const partition = c.string(raw.partition, `${path}.partition`, PARTITION_NAME, 'an MTD partition name');
      const key = c.string(raw.key, `${path}.key`, /^[A-Za-z0-9_.-]{1,64}$/, 'a U-Boot variable name');
      return partition !== undefined && key !== undefined ? { source, partition, key, increment } : undefined;
    }
    case 'interface':
      forbid(['address', 'partition', 'offset', 'key']);
      return { source, increment };
    default:
      return undefined;
  }
}

function checkPort(c: Checker, value: unknown, path: string, switchKind: SwitchKind | undefined): PortSpec | undefined {
  const raw = c.object(value, path, ['interfaces', 'vlan', 'mtu', 'mac']);
  if (!raw) return undefined;
  let interfaces: string[] | undefined;
  if (!Array.isArray(raw.interfaces) || raw.interfaces.length === 0 || raw.interfaces.length > 16) {
    c.fail(`${path}.interfaces`, 'expected a list of 1 to 16 interface names');
  } else {
    const names = raw.interfaces.map((name, i) => c.string(name, `${path}.interfaces[${i}]`, INTERFACE_NAME, 'an interface name (1-15 of A-Z a-z 0-9 _ . @ : -)'));
    if (names.every((name) => name !== undefined)) interfaces = names as string[];
    if (new Set(names).size !== names.length) c.fail(`${path}.interfaces`, 'lists an interface twice');
  }
  let vlan: number | undefined;
  if (switchKind === 'swconfig') {
    vlan = c.integer(raw.vlan, `${path}.vlan`, 1, 4094);
  } else if (raw.vlan !== undefined) {
    c.fail(`${path}.vlan`, 'only swconfig boards name a VLAN per port');
  }
  const mtu = raw.mtu === undefined ? 1500 : c.integer(raw.mtu, `${path}.mtu`, 576, 9000);
  const mac = checkMac(c, raw.mac, `${path}.mac`);
  if (!interfaces || mtu === undefined || !mac || (switchKind === 'swconfig' && vlan === undefined)) return undefined;
  return { interfaces, vlan, mtu, mac };
}

function checkFlash(c: Checker, value: unknown, path: string): FlashSpec | undefined {
  const raw = c.object(value, path, ['kind', 'partition', 'size', 'blockSize', 'programUnit', 'factoryBadBlocks']);
  if (!raw) return undefined;
  const kind = c.oneOf<FlashKind>(raw.kind, `${path}.kind`, ['nor', 'nand']);
  const partition = c.string(raw.partition, `${path}.partition`, PARTITION_NAME, 'an MTD partition name');
  const blockSize = c.integer(raw.blockSize, `${path}.blockSize`, 4096, 4 * 1024 * 1024);
  const size = c.integer(raw.size, `${path}.size`, 8192, 2 ** 32);
  const programUnit = c.integer(raw.programUnit, `${path}.programUnit`, 1, 16384);
  if (blockSize !== undefined && !isPowerOfTwo(blockSize)) c.fail(`${path}.blockSize`, `${blockSize} is not a power of two`);
  if (programUnit !== undefined && !isPowerOfTwo(programUnit)) c.fail(`${path}.programUnit`, `${programUnit} is not a power of two`);
  if (size !== undefined && blockSize !== undefined) {
    if (size % blockSize !== 0) c.fail(`${path}.size`, `${size} is not a whole number of ${blockSize}-byte blocks`);
    else if (size / blockSize < 2) c.fail(`${path}.size`, 'the store needs at least 2 erase blocks');
  }
  if (programUnit !== undefined && blockSize !== undefined && programUnit > blockSize) {
    c.fail(`${path}.programUnit`, 'is larger than the erase block');
  }
  if (kind === 'nand' && programUnit !== undefined && programUnit < 512) {
    c.fail(`${path}.programUnit`, 'NAND programs whole pages (512 bytes or more)');
  }
  let factoryBadBlocks: number[] = [];
  if (raw.factoryBadBlocks !== undefined) {
    if (kind !== 'nand') c.fail(`${path}.factoryBadBlocks`, 'only NAND has bad blocks');
    if (!Array.isArray(raw.factoryBadBlocks)) {
      c.fail(`${path}.factoryBadBlocks`, 'expected a list of block numbers');
    } else {
      const blocks = size !== undefined && blockSize !== undefined ? Math.max(1, Math.floor(size / blockSize)) : 2 ** 32;
      const list = raw.factoryBadBlocks.map((n, i) => c.integer(n, `${path}.factoryBadBlocks[${i}]`, 0, blocks - 1));
      if (list.every((n) => n !== undefined)) factoryBadBlocks = (list as number[]).slice().sort((a, b) => a - b);
      if (new Set(list).size !== list.length) c.fail(`${path}.factoryBadBlocks`, 'lists a block twice');
    }
  }
  if (kind === undefined || partition === undefined || size === undefined || blockSize === undefined || programUnit === undefined) return undefined;
  return { kind, partition, size, blockSize, programUnit, factoryBadBlocks };
}

/** swconfig: one CPU interface, or a list when the switch has several CPU ports in use. */
function checkCpuInterfaces(c: Checker, value: unknown, path: string): string[] | undefined {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.length > 4) return c.fail(path, 'expected the CPU port interface (e.g. eth0) or a list of 1 to 4');
  const names = list.map((name, i) => c.string(name, Array.isArray(value) ? `${path}[${i}]` : path, INTERFACE_NAME, 'the CPU port interface (e.g. eth0)'));
  if (new Set(names).size !== names.length) c.fail(path, 'lists an interface twice');
  return names.every((name) => name !== undefined) ? (names as string[]) : undefined;
}

/** On swconfig every port interface is the VLAN subinterface `<cpu>.<vlan>` of one of the CPU ports. */
function checkVlanInterfaces(c: Checker, port: PortSpec, path: string, cpuInterfaces: readonly string[]): void {
  port.interfaces.forEach((name, i) => {
    const dot = name.lastIndexOf('.');
    const parent = name.slice(0, dot);
    if (dot < 0 || !cpuInterfaces.includes(parent) || name.slice(dot + 1) !== String(port.vlan)) {
      c.fail(`${path}.interfaces[${i}]`, `${JSON.stringify(name)} is not a VLAN ${port.vlan} subinterface of ${cpuInterfaces.join(' or ')} (e.g. ${cpuInterfaces[0]}.${port.vlan})`);
    }
  });
}

/** `sources` maps a field of this board to where the fact comes from; a key must name a field that exists. */
function checkSources(c: Checker, value: unknown, board: Record<string, unknown>): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return c.fail('board.sources', 'expected an object of field path -> source');
  const sources: Record<string, string> = {};
  for (const [key, text] of Object.entries(value as Record<string, unknown>)) {
    const path = `board.sources[${JSON.stringify(key)}]`;
    if (!FIELD_PATH.test(key)) {
      c.fail(path, 'is not a field path such as ports.lan.mac');
    } else if (!hasField(board, key.split('.'))) {
      c.fail(path, `names no field of this board`);
    } else if (typeof text !== 'string' || text.length < 10) {
      c.fail(path, 'expected the source as text (the file that says it), at least 10 characters');
    } else {
      sources[key] = text;
    }
  }
  return sources;
}

function hasField(value: unknown, path: readonly string[]): boolean {
  let here = value;
  for (const key of path) {
    if (typeof here !== 'object' || here === null || Array.isArray(here) || !Object.prototype.hasOwnProperty.call(here, key)) return false;
    here = (here as Record<string, unknown>)[key];
  }
  return true;
}

/** Check a parsed board JSON value; on success the result carries defaults filled in. */
export function validateBoard(value: unknown): BoardResult {
  const c = new Checker();
  const raw = c.object(value, 'board', ['name', 'description', 'arch', 'byteOrder', 'console', 'switch', 'ports', 'flash', 'memoryBudgetKiB', 'watchdog', 'forwarding', 'offload', 'sources']);
  if (!raw) return { ok: false, errors: c.errors };
  const name = c.string(raw.name, 'board.name', BOARD_NAME, 'a board name (lower case, digits, _ . -)');
  const description = raw.description === undefined ? undefined : typeof raw.description === 'string' ? raw.description : c.fail('board.description', 'expected a string');
  const arch = c.oneOf(raw.arch, 'board.arch', ARCHES);
  const byteOrder = c.oneOf<ByteOrder>(raw.byteOrder, 'board.byteOrder', ['little', 'big']);
  if (arch !== undefined && byteOrder !== undefined && ARCH_BYTE_ORDER[arch] !== undefined && ARCH_BYTE_ORDER[arch] !== byteOrder) {
    c.fail('board.byteOrder', `${arch} is ${ARCH_BYTE_ORDER[arch]}-endian, not ${byteOrder}-endian`);
  }

  let consoleSpec: BoardSpec['console'] | undefined;
  const rawConsole = c.object(raw.console, 'board.console', ['device', 'baud']);
  if (rawConsole) {
    const device = c.string(rawConsole.device, 'board.console.device', DEVICE_NAME, 'a device name such as ttyS0');
    const baud = c.oneOf(rawConsole.baud, 'board.console.baud', BAUD_RATES);
    if (device !== undefined && baud !== undefined) consoleSpec = { device, baud };
  }

  let switchSpec: BoardSpec['switch'] | undefined;
  const rawSwitch = c.object(raw.switch, 'board.switch', ['kind', 'cpuInterface']);
  if (rawSwitch) {
    const kind = c.oneOf(rawSwitch.kind, 'board.switch.kind', SWITCH_KINDS);
    let cpuInterfaces: string[] | undefined = [];
    if (kind === 'swconfig') {
      cpuInterfaces = checkCpuInterfaces(c, rawSwitch.cpuInterface, 'board.switch.cpuInterface');
    } else if (rawSwitch.cpuInterface !== undefined) {
      c.fail('board.switch.cpuInterface', 'only swconfig boards name a CPU interface');
    }
    if (kind !== undefined && cpuInterfaces !== undefined) switchSpec = { kind, cpuInterfaces };
  }

  let ports: BoardSpec['ports'] | undefined;
  const rawPorts = c.object(raw.ports, 'board.ports', ['lan', 'wan']);
  if (rawPorts) {
    const lan = checkPort(c, rawPorts.lan, 'board.ports.lan', switchSpec?.kind);
    const wan = checkPort(c, rawPorts.wan, 'board.ports.wan', switchSpec?.kind);
    if (lan && wan && switchSpec?.kind === 'swconfig') {
      checkVlanInterfaces(c, lan, 'board.ports.lan', switchSpec.cpuInterfaces);
      checkVlanInterfaces(c, wan, 'board.ports.wan', switchSpec.cpuInterfaces);
    }
    if (lan && wan) {
      const shared = lan.interfaces.filter((name) => wan.interfaces.includes(name));
      if (shared.length > 0) c.fail('board.ports', `interface ${shared[0]} is both LAN and WAN`);
      if (lan.vlan !== undefined && lan.vlan === wan.vlan) c.fail('board.ports', `LAN and WAN share VLAN ${lan.vlan}`);
      if (lan.mac.source === 'fixed' && wan.mac.source === 'fixed' && resolveFixedMac(lan.mac).join() === resolveFixedMac(wan.mac).join()) {
        c.fail('board.ports', 'LAN and WAN have the same MAC');
      }
      ports = { lan, wan };
    }
  }

  const flash = checkFlash(c, raw.flash, 'board.flash');
  const memoryBudgetKiB = c.integer(raw.memoryBudgetKiB, 'board.memoryBudgetKiB', 256, 4 * 1024 * 1024);
  const watchdog = c.optionalString(raw.watchdog, 'board.watchdog', DEVICE_NAME, 'a device path such as /dev/watchdog');
  // Boards written before router mode existed forward on raw ports, as they always did.
  const forwarding = raw.forwarding === undefined ? 'ports' : c.oneOf<Forwarding>(raw.forwarding, 'board.forwarding', ['kernel', 'ports']);
  const offload = raw.offload === undefined ? 'none' : c.oneOf<Offload>(raw.offload, 'board.offload', ['none', 'software', 'hardware']);
  if (forwarding === 'ports' && offload !== undefined && offload !== 'none') c.fail('board.offload', 'flow offload needs forwarding "kernel"');
  const sources = raw.sources === undefined ? {} : checkSources(c, raw.sources, raw);

  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  const board: BoardSpec = {
    name: name as string,
    description,
    arch: arch as Arch,
    byteOrder: byteOrder as ByteOrder,
    console: consoleSpec as BoardSpec['console'],
    switch: switchSpec as BoardSpec['switch'],
    ports: ports as BoardSpec['ports'],
    flash: flash as FlashSpec,
    memoryBudgetKiB: memoryBudgetKiB as number,
    watchdog,
    forwarding: forwarding as Forwarding,
    offload: offload as Offload,
    sources: sources as Record<string, string>,
  };
  return { ok: true, board };
}

/** Like validateBoard, for callers that treat a bad board file as a programmer error. */
export function parseBoardOrThrow(value: unknown): BoardSpec {
  const result = validateBoard(value);
  if (!result.ok) throw new Error(`invalid board:\n  ${result.errors.join('\n  ')}`);
  return result.board;
}

/** The MAC of a `fixed` source with its increment applied to the low 24 bits (as OpenWrt's macaddr_add). */
export function resolveFixedMac(source: { readonly address: string; readonly increment: number }): Uint8Array {
  const mac = parseMac(source.address);
  if (!mac) throw new Error(`not a MAC: ${source.address}`);
  return addToMac(mac, source.increment);
}

/** Add `increment` to the low 24 bits of a MAC (the NIC-specific part), wrapping inside them. */
export function addToMac(mac: Uint8Array, increment: number): Uint8Array {
  const out = mac.slice();
  const low = (((out[3] << 16) | (out[4] << 8) | out[5]) + increment) & 0xffffff;
  out[3] = low >>> 16;
  out[4] = (low >>> 8) & 0xff;
  out[5] = low & 0xff;
  return out;
}

/** The part of a board the HAL exposes to the firmware. */
export function boardInfo(board: BoardSpec): BoardInfo {
  return { name: board.name, arch: board.arch, console: board.console, memoryBudgetKiB: board.memoryBudgetKiB, forwarding: board.forwarding, offload: board.offload };
}
