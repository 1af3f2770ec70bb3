/**
 * The demonstration page: a person writes the ideal answer to a prompt (imitation
 * learning data, exported as SFT `{prompt, response}`).
 */
import {
  ApiError,
  api,
  elapsedMs,
  forgetTask,
  type Progress,
  signIn,
  submissionIdFor,
  submit,
} from './api.js';
import { byId } from './dom.js';

interface Task {
  assignment_id: string;
  round: { name: string; focus: string };
  prompt: { text: string; lang: string | null };
}

const status = byId('status');
const say = (msg: string) => {
  status.textContent = msg;
};

async function next(): Promise<void> {
  say('Loading the next task…');
  const { task, progress } = await api<{ task: Task | null; progress?: Progress }>(
    '/api/tasks/next?kind=demonstration',
  );
  if (progress)
    byId('progress').textContent =
      `${progress.done} written · ${progress.pending + progress.available}${progress.more ? '+' : ''} to go`;
  if (!task) {
    byId('task').hidden = true;
    byId('done').hidden = false;
    say('');
    return;
  }
  byId('task').hidden = false;
  byId('round-name').textContent = task.round.name;
  byId('focus').textContent =
    task.round.focus || 'Write the answer you would want a careful, honest assistant to give.';
  const prompt = byId('prompt');
  prompt.textContent = task.prompt.text;
  const answer = byId<HTMLTextAreaElement>('answer');
  if (task.prompt.lang) {
    prompt.setAttribute('lang', task.prompt.lang);
    answer.setAttribute('lang', task.prompt.lang);
  }
  const draftKey = `rein-draft-${task.assignment_id}`;
  answer.value = sessionStorage.getItem(draftKey) ?? '';
  const count = byId('count');
  const update = () => {
    count.textContent = `${answer.value.length} characters`;
    sessionStorage.setItem(draftKey, answer.value);
  };
  answer.oninput = update;
  update();
  answer.focus();
  say('');
  const started = performance.now();
  const submitBtn = byId<HTMLButtonElement>('submit');
  const skipBtn = byId<HTMLButtonElement>('skip');
  const send = async (path: string, body: Record<string, unknown>) => {
    submitBtn.disabled = skipBtn.disabled = true;
    try {
      await submit(
        `/api/assignments/${task.assignment_id}/${path}`,
        { submission_id: submissionIdFor(task.assignment_id), ...body },
        (n) => say(`Connection problem — retrying (${n})…`),
      );
      forgetTask(task.assignment_id);
      await next();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        forgetTask(task.assignment_id);
        await next();
      } else say(`Could not submit: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      submitBtn.disabled = skipBtn.disabled = false;
    }
  };
  submitBtn.onclick = () => {
    if (answer.value.trim() === '') {
      say('Write an answer first (or skip).');
      answer.focus();
      return;
    }
    void send('demonstration', { response: answer.value, time_ms: elapsedMs(started) });
  };
  skipBtn.onclick = () => void send('skip', {});
}

async function main(): Promise<void> {
  await signIn();
  byId('app').hidden = false;
  await next();
}

main().catch((e) => say(`Something went wrong: ${e instanceof Error ? e.message : String(e)}`));
