import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ratioChart } from '../../tools/bench/chart';

// The benches' README charts: one bar per measured ratio, proportional, the peer's line at 1.0.
test('ratio chart: a bar per row in proportion, labels escaped, the 1.0 line, unmeasured rows left out', () => {
  const svg = ratioChart('Calls <through> the router', 'same run', [
    { label: 'router & kernel', ratio: 1 },
    { label: 'ports', ratio: 0.5 },
    { label: 'not measured', ratio: Number.NaN },
  ]);
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.match(svg, /Calls &lt;through&gt; the router/);
  assert.match(svg, /router &amp; kernel/);
  assert.not.match(svg, /not measured/);
  const widths = [...svg.matchAll(/<rect x="\d+" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.is(widths.length, 2);
  assert.ok(Math.abs(widths[0] / widths[1] - 2) < 0.01, `widths ${widths}`);
  assert.match(svg, /1\.00×/);
  assert.match(svg, /0\.50×/);
  const line = /<line x1="([\d.]+)"/.exec(svg);
  const firstBarEnd = 330 + widths[0];
  assert.ok(line && Math.abs(Number(line[1]) - firstBarEnd) < 0.2, 'the dashed line sits where a ratio of 1.0 ends');
});

test.run();
