import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { validateBoard, type BoardSpec } from '../../firmware/board';

// Every board file is checked twice: against board/schema.json by a JSON Schema validator nobody
// here wrote (ajv, draft 2020-12), and by the firmware's own loader. Both must accept the shipped
// files and both must refuse the same broken ones.
const boardDir = join(import.meta.dirname, '..', '..', 'board');
const schema = JSON.parse(readFileSync(join(boardDir, 'schema.json'), 'utf8'));
// strictRequired would insist that an if/then branch repeat the properties it requires.
const validateSchema = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile(schema);
const files = readdirSync(boardDir).filter((name) => name.endsWith('.json') && name !== 'schema.json');
const boardFile = (file: string): Record<string, any> => JSON.parse(readFileSync(join(boardDir, file), 'utf8'));

function schemaErrors(value: unknown): string[] {
  return validateSchema(value) ? [] : (validateSchema.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

function loaderErrors(value: unknown): string[] {
  const result = validateBoard(value);
  return result.ok ? [] : result.errors;
}

function loaded(file: string): BoardSpec {
  const result = validateBoard(boardFile(file));
  if (!result.ok) throw new Error(`${file}: ${result.errors.join('; ')}`);
  return result.board;
}

const realBoards = files.filter((file) => boardFile(file).forwarding === 'kernel');

test('every board file passes the JSON Schema and the firmware loader', () => {
  assert.ok(files.length >= 6, `only ${files.join(', ')}`);
  for (const file of files) {
    assert.equal(schemaErrors(boardFile(file)), [], `${file} against board/schema.json`);
    assert.equal(loaderErrors(boardFile(file)), [], `${file} by firmware/board.ts`);
    assert.is(boardFile(file).name, file.replace(/\.json$/, ''), `${file}: name is the file name (flash.sh --board <name>)`);
  }
});

test('the real routers: an MT7621 DSA board, a Filogic board, a big-endian ath79 swconfig board, x86_64 with two NICs', () => {
  const boards = realBoards.map(loaded);
  const find = (what: string, match: (b: BoardSpec) => boolean): BoardSpec => {
    const board = boards.find(match);
    assert.ok(board, `no ${what} among ${realBoards.join(', ')}`);
    return board;
  };
  const mt7621 = find('mipsel DSA board', (b) => b.arch === 'mipsel' && b.switch.kind === 'dsa');
  assert.equal(mt7621.ports.lan.interfaces, ['lan1', 'lan2']);
  assert.equal(mt7621.ports.wan.interfaces, ['wan']);
  const filogic = find('aarch64 board', (b) => b.arch === 'aarch64');
  assert.is(filogic.console.baud, 115200);
  const ath79 = find('mips swconfig board', (b) => b.arch === 'mips' && b.switch.kind === 'swconfig');
  assert.is(ath79.byteOrder, 'big');
  assert.ok(ath79.ports.lan.vlan !== undefined && ath79.ports.wan.vlan !== undefined);
  const x86 = find('x86_64 board', (b) => b.arch === 'x86_64');
  assert.equal([x86.ports.lan.interfaces, x86.ports.wan.interfaces], [['eth0'], ['eth1']]);
  for (const board of boards) {
    assert.is(board.console.device, 'ttyS0', board.name);
    assert.is.not(board.offload, 'none', `${board.name}: router mode names the SoC's flow offload`);
    assert.is(board.watchdog, undefined, `${board.name}: procd owns /dev/watchdog on OpenWrt`);
  }
});

// The facts a router's file must say where they come from, and the OpenWrt (or Linux) file each cites.
const CITED_FACTS = ['arch', 'console', 'switch', 'ports.lan.interfaces', 'ports.lan.mac', 'ports.wan.interfaces', 'ports.wan.mac', 'flash', 'memoryBudgetKiB', 'offload'];
const OPENWRT_FILE = /openwrt\/openwrt (target\/linux|package\/base-files|config)\/[\w./-]+/;
const HARDWARE_FACTS = ['arch', 'console', 'switch', 'ports.lan.interfaces', 'ports.wan.interfaces'];

test('each real router cites a source for each of its facts, an OpenWrt file for the hardware ones', () => {
  for (const file of realBoards) {
    const { sources } = loaded(file);
    for (const fact of CITED_FACTS) assert.ok(sources[fact], `${file}: no source for ${fact}`);
    for (const fact of HARDWARE_FACTS) assert.match(sources[fact], OPENWRT_FILE, `${file}: ${fact} cites no OpenWrt file`);
  }
});

const clone = (value: unknown): any => JSON.parse(JSON.stringify(value));
const ath79File = realBoards.find((file) => boardFile(file).arch === 'mips') ?? 'tplink-archer-c7-v2.json';

// Broken in ways the schema can express: both must refuse each one.
const BROKEN: [string, (b: any) => void][] = [
  ['no console', (b) => delete b.console],
  ['a baud no UART uses', (b) => (b.console.baud = 57601)],
  ['an unknown field', (b) => (b.consoel = b.console)],
  ['an unknown forwarding', (b) => (b.forwarding = 'bridge')],
  ['an unknown offload', (b) => (b.offload = 'turbo')],
  ['no LAN interfaces', (b) => (b.ports.lan.interfaces = [])],
  ['an interface name past IFNAMSIZ', (b) => (b.ports.wan.interfaces = ['a-very-long-name0'])],
  ['an MTD MAC without its offset', (b) => (b.ports.lan.mac = { source: 'mtd', partition: 'factory' })],
  ['a sources key that is no field path', (b) => (b.sources['ports..lan'] = 'target/linux/x/02_network')],
  ['a source that is not text', (b) => (b.sources.console = 115200)],
  ['a source too short to name a file', (b) => (b.sources.console = 'DTS')],
  ['a CPU interface on a board without swconfig', (b) => (b.switch.cpuInterface = 'eth0')],
];

for (const file of realBoards) {
  for (const [what, breakIt] of BROKEN) {
    test(`${file} with ${what} is refused by the schema and by the loader`, () => {
      const board = clone(boardFile(file));
      if (what.includes('without swconfig') && board.switch.kind === 'swconfig') board.switch.kind = 'dsa';
      breakIt(board);
      assert.ok(schemaErrors(board).length > 0, 'the schema accepted it');
      assert.ok(loaderErrors(board).length > 0, 'the loader accepted it');
    });
  }
}

test('swconfig without a CPU interface is refused by both', () => {
  const board = clone(boardFile(ath79File));
  delete board.switch.cpuInterface;
  assert.ok(schemaErrors(board).length > 0);
  assert.match(loaderErrors(board).join('\n'), /board\.switch\.cpuInterface/);
});

// What only the loader can check (it relates two fields): the schema lets these through, the loader must not.
test('a source for a field the board does not have is refused by the loader', () => {
  const board = clone(boardFile(ath79File));
  board.sources.watchdog = 'procd owns the watchdog (package/system/procd)';
  assert.equal(schemaErrors(board), []);
  assert.match(loaderErrors(board).join('\n'), /board\.sources\["watchdog"\]: names no field/);
});

test('a swconfig port that is not a VLAN subinterface of a CPU port is refused by the loader', () => {
  for (const [change, expected] of [
    [(b: any) => (b.ports.lan.interfaces = ['eth1.2']), /board\.ports\.lan\.interfaces\[0\]: "eth1\.2" is not a VLAN 1 subinterface of eth1 or eth0/],
    [(b: any) => (b.ports.wan.interfaces = ['eth2.2']), /board\.ports\.wan\.interfaces\[0\]: "eth2\.2"/],
    [(b: any) => (b.ports.wan.interfaces = ['wan']), /board\.ports\.wan\.interfaces\[0\]: "wan"/],
  ] as [(b: any) => void, RegExp][]) {
    const board = clone(boardFile(ath79File));
    change(board);
    assert.equal(schemaErrors(board), []);
    assert.match(loaderErrors(board).join('\n'), expected);
  }
});

test('the ath79 board leaves the switch on two CPU ports, LAN on eth1 and WAN on eth0, as 02_network sets it up', () => {
  const board = loaded(ath79File);
  assert.equal(board.switch.cpuInterfaces, ['eth1', 'eth0']);
  assert.equal([board.ports.lan.interfaces, board.ports.lan.vlan], [['eth1.1'], 1]);
  assert.equal([board.ports.wan.interfaces, board.ports.wan.vlan], [['eth0.2'], 2]);
  assert.equal(board.ports.wan.mac, { source: 'mtd', partition: 'u-boot', offset: 0x1fc00, increment: 1 });
});

test.run();
