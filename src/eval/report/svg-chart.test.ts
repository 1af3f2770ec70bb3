import { describe, expect, it } from 'vitest';
import { barChart, escapeXml, lineChart, niceTicks } from './svg-chart.js';

describe('svg charts', () => {
  it('picks nice ticks that cover the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
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
});
