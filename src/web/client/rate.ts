/**
 * The rating page: one answer at a time, judged on its own — thumbs up or down (the buttons, or
 * G and B), any problems ticked, a note — the cheapest judgement to give, what KTO trains on.
 * Ticked problems and the note are kept as a draft in sessionStorage, so a reload loses nothing.
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
import { byId, el, flagLabel } from './dom.js';

interface Task {
  assignment_id: string;
  round: { name: string; focus: string };
  prompt: { text: string; lang: string | null };
  candidates: { id: string; text: string }[];
}
interface Draft {
  flags: string[];
  note: string;
}

const status = byId('status');
const say = (msg: string) => {
  status.textContent = msg;
};
const announce = (msg: string) => {
  byId('announcer').textContent = msg;
};

/** The problem checkboxes, made once: the same vocabulary as a ranking's cards. */
function buildFlags(flags: readonly string[]): HTMLInputElement[] {
  const boxes = flags.map((f) => el('input', { type: 'checkbox', value: f }));
  byId('flags').append(...boxes.map((box, i) => el('label', {}, box, ` ${flagLabel(flags[i])}`)));
  return boxes;
}

async function loop(me: Me): Promise<void> {
  const boxes = buildFlags(me.flags);
  for (;;) {
    say('Loading the next answer…');
    const { task, progress } = await api<{ task: Task | null; progress?: Progress }>(
      '/api/tasks/next?kind=rating',
    );
    showProgress(progress, 'rated');
    if (!task) {
      byId('task').hidden = true;
      byId('done').hidden = false;
      say('');
      return;
    }
    await runTask(task, boxes);
  }
}

/** Shows one answer; resolves once it is rated or skipped. */
function runTask(task: Task, boxes: HTMLInputElement[]): Promise<void> {
  byId('task').hidden = false;
  byId('round-name').textContent = task.round.name;
  byId('focus').textContent = task.round.focus || 'No special focus: judge the answer as a whole.';
  for (const [id, text] of [
    ['prompt', task.prompt.text],
    ['answer', task.candidates[0].text],
  ]) {
    const node = byId(id);
    node.textContent = text;
    node.scrollTop = 0;
    if (task.prompt.lang) node.setAttribute('lang', task.prompt.lang);
    else node.removeAttribute('lang');
  }

  const draftKey = `rein-draft-${task.assignment_id}`;
  const note = byId<HTMLTextAreaElement>('note');
  const saveDraft = () => {
    const d: Draft = { flags: boxes.filter((b) => b.checked).map((b) => b.value), note: note.value };
    sessionStorage.setItem(draftKey, JSON.stringify(d));
  };
  let draft: Draft = { flags: [], note: '' };
  try {
    draft = { ...draft, ...JSON.parse(sessionStorage.getItem(draftKey) ?? '{}') };
  } catch {
    sessionStorage.removeItem(draftKey);
  }
  for (const b of boxes) {
    b.checked = draft.flags.includes(b.value);
    b.onchange = saveDraft;
  }
  note.value = draft.note;
  note.oninput = saveDraft;
  say('');
  const started = performance.now();

  const buttons = ['good', 'bad', 'skip'].map((id) => byId<HTMLButtonElement>(id));
  const [goodBtn, badBtn, skipBtn] = buttons;
  goodBtn.focus();
  return new Promise<void>((resolve) => {
    let sending = false;
    const finish = () => {
      for (const b of buttons) b.onclick = null;
      document.removeEventListener('keydown', onKey);
      forgetTask(task.assignment_id);
      resolve();
    };
    const send = async (path: string, body: Record<string, unknown>, doneMsg: string) => {
      if (sending) return; // a second key press while the first is on its way
      sending = true;
      for (const b of buttons) b.disabled = true;
      try {
        const outcome = await submitTaskAnswer(task.assignment_id, path, body, say);
        if (outcome === 'stored') announce(doneMsg);
        if (outcome !== 'failed') finish();
      } finally {
        sending = false;
        for (const b of buttons) b.disabled = false;
      }
    };
    const rate = (label: boolean) =>
      send(
        'rating',
        {
          label,
          flags: boxes.filter((b) => b.checked).map((b) => b.value),
          ...(note.value.trim() ? { note: note.value.trim() } : {}),
          time_ms: elapsedMs(started),
        },
        label ? 'Rated good.' : 'Rated bad.',
      );
    // G and B anywhere on the page but where they are typed (the note), as the ranking page's
    // keys work on a focused card; a modifier means the browser's own shortcut, and a held key
    // must not rate the next answer too.
    function onKey(e: KeyboardEvent): void {
      if (e.altKey || e.ctrlKey || e.metaKey || e.repeat || e.target === note) return;
      const key = e.key.toLowerCase();
      if (key !== 'g' && key !== 'b') return;
      e.preventDefault();
      void rate(key === 'g');
    }
    document.addEventListener('keydown', onKey);
    goodBtn.onclick = () => void rate(true);
    badBtn.onclick = () => void rate(false);
    skipBtn.onclick = () => void send('skip', {}, 'Task skipped.');
  });
}

async function main(): Promise<void> {
  const me = await signIn();
  byId('app').hidden = false;
  await loop(me);
}

main().catch((e) => say(`Something went wrong: ${e instanceof Error ? e.message : String(e)}`));
