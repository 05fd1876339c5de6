// The firmware's import graph has no cycle (type imports count), and the configuration package
// knows no service: services watch their own keys, so config/ never imports a running service.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { cycles, importGraph, loopThrough, type ImportGraph } from './imports';

const FIRMWARE = fileURLToPath(new URL('../../firmware', import.meta.url));
const graph = importGraph(FIRMWARE);

test('the reader finds edges: main.ts imports the stack and the reactor', () => {
  const edges = graph.get('main.ts') ?? [];
  assert.ok(edges.includes('reactor.ts'), edges.join(', '));
  assert.ok(edges.some((e) => e.startsWith('stack/')), edges.join(', '));
  assert.ok(graph.size > 100, `${graph.size} files`);
});

test('the cycle finder reports a planted loop and its path', () => {
  const planted: ImportGraph = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts']],
    ['c.ts', ['a.ts', 'd.ts']],
    ['d.ts', []],
    ['e.ts', ['e.ts']],
  ]);
  const found = cycles(planted);
  assert.equal(found, [['a.ts', 'b.ts', 'c.ts'], ['e.ts']]);
  assert.equal(loopThrough(planted, found[0]), ['a.ts', 'b.ts', 'c.ts', 'a.ts']);
});

test('no import cycle among firmware/ files', () => {
  const loops = cycles(graph).map((component) => loopThrough(graph, component).join(' -> '));
  assert.equal(loops, [], `import cycles:\n  ${loops.join('\n  ')}`);
});

test('no firmware file imports main.ts (the composition root imports the services, not back)', () => {
  const importers = [...graph].filter(([, to]) => to.includes('main.ts')).map(([from]) => from);
  assert.equal(importers, []);
});

// config/ may read the services' configuration shapes (dhcp/config.ts, nappt/config.ts), never
// a service itself: each service subscribes to the keys it owns.
test('config/ imports no service', () => {
  const allowed = (to: string) => to.startsWith('config/') || to.startsWith('util/') || to === 'store/types.ts' || /^[a-z]+\/(config|defaults)\.ts$/.test(to);
  const offending = [...graph]
    .filter(([from]) => from.startsWith('config/'))
    .flatMap(([from, to]) => to.filter((t) => !allowed(t)).map((t) => `${from} -> ${t}`));
  assert.equal(offending, []);
});

test.run();
