/**
 * The pages' one stylesheet (served from /assets/style.css; the CSP allows no inline
 * styles). The font stack covers Latin and Chinese (Noto CJK, PingFang, YaHei), long
 * answers wrap at any character and scroll inside their card, and every focusable thing
 * has a visible outline.
 */
export const STYLE_CSS = `
:root {
  --fg: #1b1f24; --muted: #57606a; --bg: #f6f8fa; --card: #fff; --line: #d0d7de;
  --accent: #0b57d0; --focus: #e8590c; --warn: #fff4e5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial,
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB",
    "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
  color: var(--fg); background: var(--bg); line-height: 1.5;
}
:lang(zh) { line-height: 1.7; }
* { box-sizing: border-box; }
body { margin: 0; }
main { max-width: 62rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.05rem; margin: 1rem 0 .4rem; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip-link { position: absolute; left: -999px; } .skip-link:focus { left: .5rem; top: .5rem; background: #fff; padding: .3rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.top { display: flex; gap: 1rem; align-items: center; padding: .5rem 1rem; background: #fff; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
.top nav a { margin-right: .6rem; color: var(--accent); }
.progress, .who { color: var(--muted); }
.who { margin-left: auto; }
button { font: inherit; padding: .35rem .8rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: pointer; }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
button:disabled { opacity: .5; cursor: default; }
textarea, input[type=password] { font: inherit; width: 100%; padding: .5rem; border: 1px solid var(--line); border-radius: 6px; }
label { display: block; margin: .8rem 0 .3rem; font-weight: 600; }
.round { font-size: .85rem; font-weight: normal; color: var(--muted); margin-left: .5rem; }
.focus-box { background: var(--warn); border-left: 4px solid #f59f00; padding: .2rem .9rem; border-radius: 4px; }
.focus-box h2 { margin-top: .5rem; font-size: .9rem; text-transform: uppercase; letter-spacing: .04em; }
.prompt, .card-text { white-space: pre-wrap; overflow-wrap: anywhere; word-break: normal; }
.prompt { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .7rem; max-height: 18rem; overflow: auto; }
.help { color: var(--muted); font-size: .9rem; }
.answer { height: 14rem; max-height: none; }
button.thumb { font-size: 1.1rem; padding: .5rem 1.2rem; min-width: 10rem; }
.rank-list { list-style: none; padding: 0; margin: 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; margin: .6rem 0; }
.card.tied { margin-top: -.3rem; border-top: 3px dashed var(--accent); }
.card.dragging { opacity: .75; box-shadow: 0 6px 18px rgba(0,0,0,.2); }
.card-head { display: flex; align-items: center; gap: .5rem; padding: .4rem .6rem; border-bottom: 1px solid var(--line);
  cursor: grab; touch-action: none; user-select: none; background: #f0f3f6; border-radius: 8px 8px 0 0; }
.grip { color: var(--muted); }
.rank { min-width: 2.2rem; font-weight: 700; font-size: 1.1rem; color: var(--accent); }
.card-label { font-weight: 600; }
.spacer { flex: 1; }
button.icon { padding: .1rem .5rem; }
.tie[aria-pressed=true], .much-worse[aria-pressed=true] { background: var(--accent); color: #fff; }
.card.much-worse { margin-top: 1.4rem; border-top: 3px double var(--accent); }
.card-text { padding: .6rem .8rem; max-height: 20rem; overflow: auto; }
.flags { border: 0; margin: 0; padding: .2rem .8rem .6rem; display: flex; flex-wrap: wrap; gap: .2rem 1rem; }
.flags legend { font-size: .85rem; color: var(--muted); padding: 0; float: left; width: 100%; }
.flags label { display: inline; font-weight: normal; margin: 0; font-size: .9rem; }
.actions, .row, .exports { display: flex; gap: .6rem; margin: 1rem 0; flex-wrap: wrap; align-items: center; }
.status { min-height: 1.5rem; color: var(--muted); }
.error { color: #b42318; }
.login { max-width: 26rem; margin: 3rem auto; }
.round { }
section.round { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .2rem 1rem 1rem; margin: 1rem 0; }
table { border-collapse: collapse; margin: .8rem 0; } caption { text-align: left; font-weight: 600; }
th, td { border: 1px solid var(--line); padding: .2rem .6rem; text-align: left; }
progress { width: 100%; }
`;
