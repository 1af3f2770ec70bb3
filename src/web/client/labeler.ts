/**
 * The labeler page: sign in, then one ranking task at a time — the round's focus, the
 * prompt, the K answers in this labeler's own order — rank, flag, note, submit or skip.
 * A half-done ranking is kept as a draft in sessionStorage, so a reload loses nothing.
 */
import {
  api,
  elapsedMs,
  forgetTask,
  type Me,
  type Progress,
  showProgress,
  signIn,
  submitTaskAnswer,
} from './api.js';
import { byId } from './dom.js';
import { type RankDraft, RankList } from './rank-list.js';

interface Task {
  assignment_id: string;
  kind: 'ranking' | 'demonstration';
  round: { name: string; focus: string };
  prompt: { text: string; lang: string | null };
  candidates: { id: string; text: string }[];
}

const status = byId('status');
const announcer = byId('announcer');
const say = (msg: string) => {
  status.textContent = msg;
};
const announce = (msg: string) => {
  announcer.textContent = msg;
};

async function loop(me: Me): Promise<void> {
  for (;;) {
    say('Loading the next task…');
    const { task, progress } = await api<{ task: Task | null; progress?: Progress }>(
      '/api/tasks/next?kind=ranking',
    );
    showProgress(progress, 'ranked');
    if (!task) {
      byId('task').hidden = true;
      byId('done').hidden = false;
      say('');
      return;
    }
    await runTask(task, me);
  }
}

/** Shows one task; resolves once it is submitted or skipped. */
function runTask(task: Task, me: Me): Promise<void> {
  const section = byId('task');
  section.hidden = false;
  byId('round-name').textContent = task.round.name;
  byId('focus').textContent = task.round.focus || 'No special focus: rank by overall quality.';
  const prompt = byId('prompt');
  prompt.textContent = task.prompt.text;
  if (task.prompt.lang) prompt.setAttribute('lang', task.prompt.lang);
  else prompt.removeAttribute('lang');

  const draftKey = `rein-draft-${task.assignment_id}`;
  const note = byId<HTMLTextAreaElement>('note');
  const saveDraft = () =>
    sessionStorage.setItem(draftKey, JSON.stringify({ ...list.draft(), note: note.value }));
  const list = new RankList(task.candidates, me.flags, task.prompt.lang, saveDraft, announce);
  byId('ranking-slot').replaceChildren(list.root);
  note.value = '';
  const saved = sessionStorage.getItem(draftKey);
  if (saved) {
    try {
      const d = JSON.parse(saved) as RankDraft & { note?: string };
      list.restore(d);
      note.value = d.note ?? '';
    } catch {
      sessionStorage.removeItem(draftKey);
    }
  }
  note.oninput = saveDraft;
  say('');
  const started = performance.now();
  (list.root.firstElementChild as HTMLElement | null)?.focus();

  const submitBtn = byId<HTMLButtonElement>('submit');
  const skipBtn = byId<HTMLButtonElement>('skip');
  return new Promise<void>((resolve) => {
    const finish = () => {
      submitBtn.onclick = null;
      skipBtn.onclick = null;
      forgetTask(task.assignment_id);
      resolve();
    };
    const send = async (path: string, body: Record<string, unknown>, doneMsg: string) => {
      submitBtn.disabled = skipBtn.disabled = true;
      try {
        const outcome = await submitTaskAnswer(task.assignment_id, path, body, say);
        if (outcome === 'stored') announce(doneMsg);
        if (outcome !== 'failed') finish();
      } finally {
        submitBtn.disabled = skipBtn.disabled = false;
      }
    };
    submitBtn.onclick = () =>
      send(
        'ranking',
        {
          ordering: list.tiers(),
          ...(list.gaps() ? { gaps: list.gaps() } : {}),
          flags: list.flags(),
          ...(note.value.trim() ? { note: note.value.trim() } : {}),
          time_ms: elapsedMs(started),
        },
        'Ranking submitted.',
      );
    skipBtn.onclick = () => send('skip', {}, 'Task skipped.');
  });
}

async function main(): Promise<void> {
  const me = await signIn();
  byId('app').hidden = false;
  await loop(me);
}

main().catch((e) => say(`Something went wrong: ${e instanceof Error ? e.message : String(e)}`));
