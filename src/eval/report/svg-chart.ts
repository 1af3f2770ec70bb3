/**
 * Dependency-free SVG charts for self-contained HTML reports (they must open offline, so no
 * plotting library from a CDN). Two kinds: grouped bars and x/y lines. All text is escaped.
 */

export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];
const W = 640;
const H = 320;
const M = { top: 36, right: 16, bottom: 64, left: 56 };

/** A "nice" axis: ~5 ticks at 1/2/5 × 10^k spacing covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi === lo) {
    hi = lo + 1;
    lo = lo - (lo === 0 ? 0 : 1);
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => raw <= s) ?? 10 * mag;
  // whole multiples of the step, rounded to 12 digits: exact at 0, and no drift from repeated sums
  // (a fixed number of decimals would flatten the ticks of values like 1e-12)
  const k0 = Math.floor(lo / step);
  const ticks: number[] = [];
  for (let k = k0; k * step <= hi + step * 1e-9; k++) ticks.push(+(k * step).toPrecision(12));
  if (ticks[ticks.length - 1] < hi - step * 1e-9) ticks.push(+((k0 + ticks.length) * step).toPrecision(12));
  return ticks;
}

function fmtTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  // three significant digits at most: 1.2e-3 must not print as 1e-3 beside the tick for 1e-3;
  // plain figures below 100 000 (step counts read better as 15000 than as 1.5e+4)
  if (a >= 1e5 || a < 0.01) return (+v.toPrecision(3)).toExponential();
  return String(+v.toPrecision(3));
}

/** Most legend entries per row: longer legends wrap onto more rows below the plot. */
const LEGEND_PER_ROW = 4;

/** The colour of palette slot `i` (series, runs): the same slot is the same colour in every chart. */
export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}

function frame(title: string, body: string, legend: { name: string; color: string }[]): string {
  // columns as wide as the longest name (≈ 6 px a character at 11 px), as many as fit across
  const column = Math.max(145, 24 + 6 * Math.max(0, ...legend.map((e) => e.name.length)));
  const perRow = Math.max(1, Math.min(LEGEND_PER_ROW, Math.floor((W - M.left) / column)));
  const rows = Math.max(1, Math.ceil(legend.length / perRow));
  const height = H + (rows - 1) * 16;
  const items = legend
    .map(({ name, color }, i) => {
      const x = M.left + (i % perRow) * column;
      const y = H - 18 + Math.floor(i / perRow) * 16;
      return `<rect x="${x}" y="${y}" width="10" height="10" fill="${color}"/><text x="${x + 14}" y="${y + 9}" font-size="11">${escapeXml(name)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${escapeXml(title)}" font-family="system-ui, sans-serif"><text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="600">${escapeXml(title)}</text>${body}${items}</svg>`;
}

function yAxis(ticks: number[], y: (v: number) => number, label: string): string {
  const lines = ticks
    .map(
      (t) =>
        `<line x1="${M.left}" x2="${W - M.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${M.left - 6}" y="${y(t) + 4}" text-anchor="end" font-size="10">${fmtTick(t)}</text>`,
    )
    .join('');
  return `${lines}<text transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="11">${escapeXml(label)}</text>`;
}

export interface BarChart {
  title: string;
  yLabel: string;
  /** Category names along x (e.g. the misalignment labels). */
  categories: string[];
  /**
   * One series per group member (e.g. base, SFT, PPO), one value per category, and optionally
   * each value's interval [low, high], drawn as a whisker.
   */
  series: { name: string; values: number[]; intervals?: ([number, number] | null)[] }[];
  /** Optional horizontal reference line (e.g. the 5 % target). */
  reference?: { value: number; label: string };
}

export function barChart(c: BarChart): string {
  const all = c.series
    .flatMap((s) => [...s.values, ...(s.intervals ?? []).flatMap((iv) => iv ?? [])])
    .filter(Number.isFinite);
  const ticks = niceTicks(Math.min(0, ...all), Math.max(c.reference?.value ?? 0, ...all, 1e-9));
  const lo = ticks[0];
  const hi = ticks[ticks.length - 1];
  const y = (v: number) => M.top + ((hi - v) / (hi - lo)) * (H - M.top - M.bottom);
  const groupW = (W - M.left - M.right) / Math.max(1, c.categories.length);
  const barW = (groupW * 0.8) / Math.max(1, c.series.length);
  let body = yAxis(ticks, y, c.yLabel);
  c.categories.forEach((cat, ci) => {
    const gx = M.left + ci * groupW + groupW * 0.1;
    c.series.forEach((s, si) => {
      const v = s.values[ci];
      if (!Number.isFinite(v)) return;
      const top = Math.min(y(v), y(0));
      const h = Math.abs(y(v) - y(0));
      const iv = s.intervals?.[ci];
      const range = iv ? ` (${fmtTick(iv[0])}–${fmtTick(iv[1])})` : '';
      body += `<rect x="${gx + si * barW}" y="${top}" width="${barW - 1}" height="${h}" fill="${PALETTE[si % PALETTE.length]}"><title>${escapeXml(`${s.name} · ${cat}: ${fmtTick(v)}${range}`)}</title></rect>`;
      if (iv) {
        const cx = gx + si * barW + (barW - 1) / 2;
        const cap = Math.min(4, barW / 4);
        const [y0, y1] = [y(iv[0]), y(iv[1])];
        body += `<path d="M${cx} ${y0}V${y1}M${cx - cap} ${y0}H${cx + cap}M${cx - cap} ${y1}H${cx + cap}" stroke="#333" stroke-width="1" class="whisker"/>`;
      }
    });
    body += `<text x="${gx + groupW * 0.4}" y="${H - M.bottom + 14}" text-anchor="middle" font-size="10">${escapeXml(cat)}</text>`;
  });
  if (c.reference) {
    const ry = y(c.reference.value);
    body += `<line x1="${M.left}" x2="${W - M.right}" y1="${ry}" y2="${ry}" stroke="#c00" stroke-dasharray="4 3"/><text x="${W - M.right}" y="${ry - 3}" text-anchor="end" font-size="10" fill="#c00">${escapeXml(c.reference.label)}</text>`;
  }
  return frame(
    c.title,
    body,
    c.series.map((s, i) => ({ name: s.name, color: seriesColor(i) })),
  );
}

export interface LineSeries {
  name: string;
  points: [number, number][];
  dashed?: boolean;
  /** Palette slot (default: the series' position), so that several series can share a colour. */
  color?: number;
  /** Thin and pale: raw values under their smoothed line. */
  faint?: boolean;
  /** Listed in the legend (default true; a faint twin of a listed series need not be). */
  legend?: boolean;
  /** A dot at each point (default: when the series has 40 points or fewer). */
  dots?: boolean;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  /**
   * Fit the y axis to the values instead of reaching down (or up) to 0: a training loss near 2 or
   * a log-probability near −40 would be a flat line on an axis from 0.
   */
  fitY?: boolean;
  /** Vertical marks across the plot at an x (e.g. a step whose value was not finite), labelled. */
  marks?: { x: number; label: string }[];
}

export function lineChart(c: LineChart): string {
  const finite = ([a, b]: [number, number]) => Number.isFinite(a) && Number.isFinite(b);
  const pts = c.series.flatMap((s) => s.points).filter(finite);
  const marks = (c.marks ?? []).filter((m) => Number.isFinite(m.x));
  const xs = [...pts.map((p) => p[0]), ...marks.map((m) => m.x)];
  const ys = pts.map((p) => p[1]);
  // loops, not Math.min(...xs): a long run's tens of thousands of points overflow an argument list
  const lo = (v: number[], start: number) => v.reduce((a, b) => Math.min(a, b), start);
  const hi = (v: number[], start: number) => v.reduce((a, b) => Math.max(a, b), start);
  const xt = niceTicks(lo(xs, 0), hi(xs, 1e-9));
  let yt = niceTicks(lo(ys, 0), hi(ys, 1e-9));
  if (c.fitY && ys.length > 0) {
    let [a, b] = [lo(ys, Infinity), hi(ys, -Infinity)];
    // a constant curve (a learning rate; a moving average of one differs from it in the last bits)
    // gets an axis ±10 % around its value, not one that magnifies rounding noise
    if (b - a <= 1e-9 * Math.max(Math.abs(a), Math.abs(b))) {
      const pad = Math.abs(a) * 0.1 || 1;
      [a, b] = [a - pad, b + pad];
    }
    yt = niceTicks(a, b);
  }
  const x = (v: number) => M.left + ((v - xt[0]) / (xt[xt.length - 1] - xt[0])) * (W - M.left - M.right);
  const y = (v: number) =>
    M.top + ((yt[yt.length - 1] - v) / (yt[yt.length - 1] - yt[0])) * (H - M.top - M.bottom);
  let body = yAxis(yt, y, c.yLabel);
  body += xt
    .map(
      (t) =>
        `<text x="${x(t)}" y="${H - M.bottom + 14}" text-anchor="middle" font-size="10">${fmtTick(t)}</text>`,
    )
    .join('');
  body += `<text x="${(M.left + W - M.right) / 2}" y="${H - M.bottom + 30}" text-anchor="middle" font-size="11">${escapeXml(c.xLabel)}</text>`;
  for (const m of marks) {
    const mx = x(m.x).toFixed(1);
    body += `<line x1="${mx}" x2="${mx}" y1="${M.top}" y2="${H - M.bottom}" stroke="#c00" stroke-dasharray="3 3" class="mark"/><text x="${mx}" y="${M.top - 3}" text-anchor="middle" font-size="10" fill="#c00">${escapeXml(m.label)}</text>`;
  }
  c.series.forEach((s, si) => {
    const good = s.points.filter(finite);
    if (good.length === 0) return;
    const color = seriesColor(s.color ?? si);
    const d = good
      .map(([a, b], i) => `${i === 0 ? 'M' : 'L'}${x(a).toFixed(1)} ${y(b).toFixed(1)}`)
      .join(' ');
    const stroke = s.faint ? 'stroke-width="1" stroke-opacity="0.3"' : 'stroke-width="2"';
    body += `<path d="${d}" fill="none" stroke="${color}" ${stroke}${s.dashed ? ' stroke-dasharray="5 3"' : ''}><title>${escapeXml(s.name)}</title></path>`;
    if (s.dots ?? good.length <= 40)
      body += good
        .map(
          ([a, b]) =>
            `<circle cx="${x(a).toFixed(1)}" cy="${y(b).toFixed(1)}" r="${s.faint ? 1.5 : 2.5}" fill="${color}"${s.faint ? ' fill-opacity="0.4"' : ''}/>`,
        )
        .join('');
  });
  return frame(
    c.title,
    body,
    c.series.flatMap((s, i) =>
      s.legend === false ? [] : [{ name: s.name, color: seriesColor(s.color ?? i) }],
    ),
  );
}
