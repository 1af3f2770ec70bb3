import { describe, expect, it } from 'vitest';
import { barChart, escapeXml, lineChart, niceTicks } from './svg-chart.js';

describe('svg charts', () => {
  it('picks nice ticks that cover the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-0.3, 0.3)).toEqual([-0.4, -0.2, 0, 0.2, 0.4]);
    expect(niceTicks(1e-12, 5e-12)).toEqual([1e-12, 2e-12, 3e-12, 4e-12, 5e-12]);
    const t = niceTicks(-3, 47);
    expect(t[0]).toBeLessThanOrEqual(-3);
    expect(t[t.length - 1]).toBeGreaterThanOrEqual(47);
  });

  it('escapes every label (titles and series names are user data)', () => {
    const svg = barChart({
      title: '<script>alert(1)</script>',
      yLabel: 'rate',
      categories: ['a&b'],
      series: [{ name: '"x"', values: [0.5] }],
    });
    expect(svg).not.toContain('<script>');
    expect(svg).toContain(escapeXml('<script>alert(1)</script>'));
    expect(svg).toContain('a&amp;b');
    expect(svg.match(/<rect [^>]*fill="#4e79a7"><title>/g)).toHaveLength(1);
  });

  it('draws an interval as a whisker and fits it on the axis', () => {
    const svg = barChart({
      title: 't',
      yLabel: 'rate',
      categories: ['a', 'b'],
      series: [{ name: 's', values: [0.1, 0.2], intervals: [[0.05, 0.9], null] }],
    });
    expect(svg.match(/class="whisker"/g)).toHaveLength(1);
    expect(svg).toContain('s · a: 0.1 (0.05–0.9)');
    // the axis reaches the whisker's top (0.9), not just the tallest bar (0.2)
    expect(svg).toMatch(/>1<\/text>/);
  });

  it('draws one path per series and skips non-finite points', () => {
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        {
          name: 'a',
          points: [
            [0, 1],
            [1, 2],
            [2, Number.NaN],
          ],
        },
        {
          name: 'b',
          points: [
            [0, 0],
            [2, 3],
          ],
          dashed: true,
        },
      ],
    });
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray="5 3"');
    expect(svg).not.toContain('NaN');
  });

  it('lets series share a colour, keeps faint ones out of the legend, fits y to the values and marks an x', () => {
    const svg = lineChart({
      title: 't',
      xLabel: 'step',
      yLabel: 'loss',
      series: [
        {
          name: 'a raw',
          points: [
            [1, 2.1],
            [2, 2.3],
          ],
          color: 1,
          faint: true,
          legend: false,
        },
        {
          name: 'a',
          points: [
            [1, 2.1],
            [2, 2.2],
          ],
          color: 1,
        },
      ],
      fitY: true,
      marks: [{ x: 3, label: 'NaN' }],
    });
    expect(svg.match(/stroke="#f28e2b"/g)).toHaveLength(2);
    expect(svg.match(/stroke-opacity="0.3"/g)).toHaveLength(1);
    expect([...svg.matchAll(/width="10" height="10"[^>]*\/><text [^>]*>([^<]*)</g)].map((m) => m[1])).toEqual(
      ['a'],
    );
    // the y axis spans the values (2.1–2.3), not 0–2.3: no tick at 0
    expect(svg).not.toMatch(/text-anchor="end" font-size="10">0<\/text>/);
    expect(svg).toMatch(/class="mark"\/><text [^>]*>NaN</);
  });

  it('prints small ticks with their significant digits', () => {
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'lr',
      series: [
        {
          name: 'lr',
          points: [
            [0, 2e-4],
            [1, 1.2e-3],
          ],
        },
      ],
      fitY: true,
    });
    expect(svg).toContain('>1.2e-3</text>');
    expect(svg).toContain('>1e-3</text>');
  });

  it('gives a constant curve an axis around its value, not one magnifying rounding noise', () => {
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'lr',
      series: [
        {
          name: 'lr',
          points: [
            [1, 0.001],
            [2, 0.0010000000000000002],
            [3, 0.001],
          ],
        },
      ],
      fitY: true,
    });
    const ticks = [...svg.matchAll(/text-anchor="end" font-size="10">([^<]*)</g)].map((m) => m[1]);
    expect(ticks).toEqual(['9e-4', '9.5e-4', '1e-3', '1.05e-3', '1.1e-3']);
  });
});
