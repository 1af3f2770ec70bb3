/**
 * The admin page: rounds and their progress, inter-labeler agreement (pairwise, on
 * prompts ranked by ≥ 2 labelers; on answers rated by ≥ 2), how often each problem was
 * flagged, and exports.
 */
import { api, getToken, signIn } from './api.js';
import { byId, el, flagLabel } from './dom.js';

interface RoundSummary {
  id: string;
  name: string;
  focus: string;
  labelers_per_prompt: number;
  prompts: number;
  ranking_prompts: number;
  demonstration_prompts: number;
  rating_prompts: number;
  assignments: { pending: number; done: number; skipped: number };
  rankings: number;
  demonstrations: number;
  ratings: number;
  ranking_progress: { done: number; total: number };
  rating_progress: { done: number; total: number };
}
interface Stats {
  rankings: number;
  agreement: {
    prompts: number;
    comparisons: number;
    agreements: number;
    rate: number | null;
    by_labeler: Record<string, { comparisons: number; rate: number | null }>;
  };
  flags: { candidates: number; counts: Record<string, number>; rates: Record<string, number> };
  much_worse: { steps: number; marked: number; rate: number };
  ratings: {
    ratings: number;
    good: number;
    good_rate: number | null;
    answers: number;
    comparisons: number;
    rate: number | null;
    flags: Record<string, number>;
  };
}

const status = byId('status');
const pct = (x: number | null) => (x == null ? '—' : `${(100 * x).toFixed(1)} %`);

/** Downloads an export (an authenticated fetch, saved through a blob link). */
async function download(format: string, round?: string): Promise<void> {
  const q = new URLSearchParams({ format, ...(round ? { round } : {}) });
  const res = await fetch(`/api/admin/export?${q}`, {
    headers: { Authorization: `Bearer ${getToken() ?? ''}` },
  });
  if (!res.ok) {
    status.textContent = `Export failed: HTTP ${res.status}`;
    return;
  }
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: `rein-${round ? `${round}-` : ''}${format}.jsonl` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  status.textContent = `Exported ${format}${round ? ` of ${round}` : ''}.`;
}

function exportButtons(round?: string): HTMLElement {
  return el(
    'div',
    { class: 'exports' },
    ...['rankings', 'pairs', 'unpaired', 'ratings', 'demos'].map((f) => {
      const b = el('button', {
        type: 'button',
        text: `Export ${f}`,
        'aria-label': `Export ${f}${round ? ` of ${round}` : ''}`,
      });
      b.addEventListener('click', () => void download(f, round));
      return b;
    }),
  );
}

async function showStats(round: RoundSummary, slot: HTMLElement): Promise<void> {
  const s = await api<Stats>(`/api/admin/rounds/${encodeURIComponent(round.id)}/stats`);
  const a = s.agreement;
  const g = s.ratings;
  const flagRows = Object.keys(s.flags.counts).map((f) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row', text: flagLabel(f) }),
      el('td', { text: String(s.flags.counts[f]) }),
      el('td', { text: pct(s.flags.rates[f]) }),
      ...(g.ratings > 0 ? [el('td', { text: String(g.flags[f] ?? 0) })] : []),
    ),
  );
  const labelerRows = Object.entries(a.by_labeler).map(([who, v]) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row', text: who }),
      el('td', { text: String(v.comparisons) }),
      el('td', { text: pct(v.rate) }),
    ),
  );
  const parts: (Node | null)[] = [
    el(
      'p',
      { class: 'agreement' },
      `Agreement: ${pct(a.rate)} over ${a.comparisons} candidate pairs on ${a.prompts} prompts ranked by ≥ 2 labelers (InstructGPT reports ~73 %).`,
    ),
    s.much_worse.marked > 0
      ? el(
          'p',
          { class: 'much-worse-rate' },
          `Much worse: ${s.much_worse.marked} of ${s.much_worse.steps} steps from one rank to the next marked (${pct(s.much_worse.rate)}); the reward model asks for a margin there.`,
        )
      : null,
    g.ratings > 0
      ? el(
          'p',
          { class: 'rating-agreement' },
          `Ratings: ${g.good} of ${g.ratings} good (${pct(g.good_rate)}); labelers of the same answer gave the same thumb ${pct(g.rate)} of ${g.comparisons} times, on ${g.answers} answers rated by ≥ 2.`,
        )
      : null,
    el(
      'table',
      {},
      el('caption', { text: `Flags on ${s.flags.candidates} judged answers` }),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col', text: 'flag' }),
          el('th', { scope: 'col', text: 'count' }),
          el('th', { scope: 'col', text: 'rate' }),
          g.ratings > 0 ? el('th', { scope: 'col', text: 'on rated answers' }) : null,
        ),
      ),
      el('tbody', {}, ...flagRows),
    ),
    labelerRows.length > 0
      ? el(
          'table',
          {},
          el('caption', { text: 'Agreement of each labeler with the others' }),
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              el('th', { scope: 'col', text: 'labeler' }),
              el('th', { scope: 'col', text: 'pairs' }),
              el('th', { scope: 'col', text: 'agreement' }),
            ),
          ),
          el('tbody', {}, ...labelerRows),
        )
      : null,
  ];
  slot.replaceChildren(...parts.filter((x): x is Node => x !== null));
}

async function main(): Promise<void> {
  const me = await signIn();
  if (me.role !== 'admin') {
    status.textContent = 'This page is for admins.';
    return;
  }
  byId('app').hidden = false;
  byId('all-exports').replaceChildren(exportButtons());
  const { rounds } = await api<{ rounds: RoundSummary[] }>('/api/admin/rounds');
  const list = byId('rounds');
  if (rounds.length === 0)
    list.replaceChildren(el('p', { text: 'No rounds yet: create one with `rein feedback round create`.' }));
  for (const r of rounds) {
    const bar = (what: string, p: { done: number; total: number }) =>
      el('progress', {
        max: String(Math.max(1, p.total)),
        value: String(Math.min(p.done, p.total)),
        'aria-label': `${what} of ${r.name}`,
      });
    const stats = el('div', { class: 'stats' });
    const statsBtn = el('button', { type: 'button', text: 'Agreement and flags' });
    statsBtn.addEventListener(
      'click',
      () => void showStats(r, stats).catch((e) => (status.textContent = String(e))),
    );
    list.append(
      el(
        'section',
        { class: 'round', 'aria-label': `Round ${r.name}` },
        el('h2', { text: r.name }),
        el('p', { class: 'focus', text: r.focus || '(no focus)' }),
        el(
          'p',
          {},
          `${r.ranking_prompts} ranking and ${r.rating_prompts} rating prompts × ${r.labelers_per_prompt} labelers, ${r.demonstration_prompts} demonstration prompts. ` +
            `${r.rankings} rankings, ${r.ratings} ratings, ${r.demonstrations} demonstrations, ${r.assignments.pending} in progress, ${r.assignments.skipped} skipped.`,
        ),
        bar('Progress', r.ranking_progress),
        r.rating_prompts > 0 ? bar('Rating progress', r.rating_progress) : null,
        el('div', { class: 'row' }, statsBtn, exportButtons(r.name)),
        stats,
      ),
    );
  }
}

main().catch((e) => {
  status.textContent = `Something went wrong: ${e instanceof Error ? e.message : String(e)}`;
});
