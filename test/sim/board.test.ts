import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { validateBoard, resolveFixedMac, addToMac, boardInfo } from '../../firmware/board';
import { macToString } from '../../firmware/util/mac';

const boardDir = join(import.meta.dirname, '..', '..', 'board');
const sim = JSON.parse(readFileSync(join(boardDir, 'sim.json'), 'utf8'));

function errorsOf(value: unknown): string[] {
  const result = validateBoard(value);
  return result.ok ? [] : result.errors;
}

function withChange(change: (board: any) => void): unknown {
  const copy = JSON.parse(JSON.stringify(sim));
  change(copy);
  return copy;
}

test('every board file in board/ validates', () => {
  const files = readdirSync(boardDir).filter((name) => name.endsWith('.json') && name !== 'schema.json');
  assert.ok(files.includes('sim.json'));
  for (const file of files) {
    const result = validateBoard(JSON.parse(readFileSync(join(boardDir, file), 'utf8')));
    assert.ok(result.ok, `${file}: ${result.ok ? '' : result.errors.join('; ')}`);
  }
});

test('sim.json normalises with defaults filled in', () => {
  const result = validateBoard(sim);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  assert.is(result.board.ports.lan.mtu, 1500);
  assert.is(result.board.ports.lan.mac.increment, 0);
  assert.equal(result.board.flash.factoryBadBlocks, []);
  assert.equal(boardInfo(result.board), { name: 'sim', arch: 'sim', console: { device: 'sim', baud: 115200 }, memoryBudgetKiB: 16384, forwarding: 'ports', offload: 'none' });
});

const cases: [string, (b: any) => void, RegExp][] = [
  ['missing baud', (b) => delete b.console.baud, /board\.console\.baud: expected one of/],
  ['odd baud', (b) => (b.console.baud = 115201), /board\.console\.baud/],
  ['unknown field (typo)', (b) => (b.flash.blocksize = 1), /board\.flash\.blocksize: unknown field/],
  ['mips claims little-endian', (b) => (b.arch = 'mips'), /board\.byteOrder: mips is big-endian/],
  ['size not whole blocks', (b) => (b.flash.size = 65536 * 3 + 1), /board\.flash\.size: .* not a whole number/],
  ['block not a power of two', (b) => (b.flash.blockSize = 65536 * 3), /board\.flash\.blockSize: .* not a power of two/],
  ['NAND with byte program unit', (b) => (b.flash.kind = 'nand'), /NAND programs whole pages/],
  ['bad blocks on NOR', (b) => (b.flash.factoryBadBlocks = [1]), /only NAND has bad blocks/],
  ['bad MAC text', (b) => (b.ports.lan.mac.address = '02:00:00:00:00'), /board\.ports\.lan\.mac\.address: .* is not a MAC/],
  ['multicast MAC', (b) => (b.ports.wan.mac.address = '01:00:5e:00:00:01'), /multicast/],
  ['same MAC twice', (b) => (b.ports.wan.mac.address = b.ports.lan.mac.address), /same MAC/],
  ['same interface twice', (b) => (b.ports.wan.interfaces = ['lan']), /interface lan is both LAN and WAN/],
  ['long interface name', (b) => (b.ports.lan.interfaces = ['a-very-long-interface']), /board\.ports\.lan\.interfaces\[0\]/],
  ['vlan on a plain switch', (b) => (b.ports.lan.vlan = 1), /only swconfig boards name a VLAN/],
  ['swconfig without cpu interface or vlans', (b) => (b.switch.kind = 'swconfig'), /cpuInterface/],
  ['mtd MAC without offset', (b) => (b.ports.lan.mac = { source: 'mtd', partition: 'factory' }), /board\.ports\.lan\.mac\.offset/],
  ['fixed MAC with a partition', (b) => (b.ports.lan.mac.partition = 'factory'), /not used with source "fixed"/],
  ['tiny memory budget', (b) => (b.memoryBudgetKiB = 16), /memoryBudgetKiB: 16 is outside/],
];

for (const [name, change, expected] of cases) {
  test(`rejects: ${name}`, () => {
    const errors = errorsOf(withChange(change));
    assert.ok(errors.some((e) => expected.test(e)), `expected ${expected} in ${JSON.stringify(errors)}`);
  });
}

test('a swconfig board with VLANs and MACs from flash validates', () => {
  const result = validateBoard({
    name: 'example-swconfig-nand',
    arch: 'mips',
    byteOrder: 'big',
    console: { device: 'ttyS0', baud: 115200 },
    switch: { kind: 'swconfig', cpuInterface: 'eth0' },
    ports: {
      lan: { interfaces: ['eth0.1'], vlan: 1, mac: { source: 'mtd', partition: 'art', offset: 0 } },
      wan: { interfaces: ['eth0.2'], vlan: 2, mac: { source: 'uboot-env', partition: 'u-boot-env', key: 'ethaddr', increment: 1 } },
    },
    flash: { kind: 'nand', partition: 'plugboard', size: 131072 * 64, blockSize: 131072, programUnit: 2048, factoryBadBlocks: [7, 3] },
    memoryBudgetKiB: 32768,
  });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  assert.equal(result.board.flash.factoryBadBlocks, [3, 7]);
  assert.is(result.board.ports.wan.vlan, 2);
});

test('all errors are reported at once, each with its path', () => {
  const errors = errorsOf({ name: 'Bad Name', arch: 'z80', console: 5, ports: {}, flash: {}, memoryBudgetKiB: 'lots' });
  for (const path of ['board.name', 'board.arch', 'board.byteOrder', 'board.console', 'board.switch', 'board.ports.lan', 'board.ports.wan', 'board.flash.kind', 'board.memoryBudgetKiB']) {
    assert.ok(errors.some((e) => e.startsWith(`${path}:`)), `no error for ${path} in ${JSON.stringify(errors)}`);
  }
});

test('MAC increments wrap inside the low 24 bits', () => {
  assert.is(macToString(resolveFixedMac({ address: '02:50:42:ff:ff:ff', increment: 1 })), '02:50:42:00:00:00');
  assert.is(macToString(addToMac(new Uint8Array([2, 0, 0, 0, 0, 1]), -2)), '02:00:00:ff:ff:ff');
});

test('fuzz: arbitrary JSON never throws and never validates by accident', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const result = validateBoard(value);
      assert.ok(!result.ok);
    }),
    { seed: 2, numRuns: 500 },
  );
  // Mutations of the real board: replace one field anywhere with junk.
  const paths: string[][] = [];
  const walk = (node: any, path: string[]): void => {
    if (typeof node === 'object' && node !== null) for (const key of Object.keys(node)) walk(node[key], [...path, key]);
    if (path.length > 0) paths.push(path);
  };
  walk(sim, []);
  fc.assert(
    fc.property(fc.constantFrom(...paths), fc.jsonValue(), (path, junk) => {
      const copy = JSON.parse(JSON.stringify(sim));
      let node = copy;
      for (const key of path.slice(0, -1)) node = node[key];
      node[path[path.length - 1]] = junk;
      validateBoard(copy); // must not throw; may or may not be valid
    }),
    { seed: 3, numRuns: 2000 },
  );
});

test.run();
