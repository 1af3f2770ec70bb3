/**
 * The look shared by rein's self-contained HTML reports (the demo's and `rein report`'s): inline CSS,
 * system fonts only (with CJK fallbacks, the world is bilingual), so a page opens offline.
 */
export const REPORT_CSS = `body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:0}.sub{color:#666;margin-top:.2em}
table{border-collapse:collapse;margin:1em 0;font-size:14px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}
.charts{display:flex;flex-wrap:wrap;gap:12px}svg{max-width:100%;height:auto;border:1px solid #eee}`;
