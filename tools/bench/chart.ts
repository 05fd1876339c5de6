// Benchmark ratios as a small SVG bar chart for the README: one bar per row, a line at 1.0 (the
// peer measured in the same run), the figure written at the end of each bar. A bench writes one
// when given `--chart <file.svg>`. Plain SVG text, no dependency, readable on GitHub.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringOption } from './cli';

export interface RatioRow {
  readonly label: string;
  readonly ratio: number;
}

const WIDTH = 720;
const LABEL_WIDTH = 330;
const BAR_HEIGHT = 18;
const GAP = 8;
const TOP = 46;

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function ratioChart(title: string, subtitle: string, rows: readonly RatioRow[]): string {
  const finite = rows.filter((row) => Number.isFinite(row.ratio));
  const top = Math.max(1.25, ...finite.map((row) => row.ratio)) * 1.1;
  const plot = WIDTH - LABEL_WIDTH - 60;
  const x = (ratio: number): number => LABEL_WIDTH + (Math.max(0, ratio) / top) * plot;
  const height = TOP + finite.length * (BAR_HEIGHT + GAP) + 24;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="10" y="34" fill="#555">${escapeXml(subtitle)}</text>`,
  ];
  finite.forEach((row, i) => {
    const y = TOP + i * (BAR_HEIGHT + GAP);
    const colour = row.ratio >= 1 ? '#2e7d32' : '#c62828';
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 13}" text-anchor="end">${escapeXml(row.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${(x(row.ratio) - LABEL_WIDTH).toFixed(1)}" height="${BAR_HEIGHT}" fill="${colour}"/>`,
      `<text x="${(x(row.ratio) + 4).toFixed(1)}" y="${y + 13}">${row.ratio.toFixed(2)}×</text>`,
    );
  });
  const one = x(1).toFixed(1);
  const bottom = TOP + finite.length * (BAR_HEIGHT + GAP);
  parts.push(
    `<line x1="${one}" y1="${TOP - 4}" x2="${one}" y2="${bottom}" stroke="#000" stroke-dasharray="4 3"/>`,
    `<text x="${one}" y="${bottom + 16}" text-anchor="middle" fill="#333">1.0 = the peer, same run</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}

/** Write the chart where `--chart <file>` says, if it says. */
export function writeChartIfAsked(title: string, subtitle: string, rows: readonly RatioRow[]): void {
  const file = stringOption('--chart', '');
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, ratioChart(title, subtitle, rows));
  console.log(`chart: ${file}`);
}
