/**
 * Talking to the server: the bearer token (kept in sessionStorage, so it dies with the
 * tab), JSON requests with readable errors, and submissions that retry safely — the
 * submission id is chosen once per task and kept across retries and reloads, so the
 * server stores a ranking once however often the network makes us send it.
 */
import { byId } from './dom.js';

export interface Me {
  name: string;
  role: 'labeler' | 'admin';
  flags: string[];
}

/** A labeler's progress on one kind of task, as GET /api/tasks/next reports it beside the task. */
export interface Progress {
  done: number;
  skipped: number;
  pending: number;
  available: number;
  more: boolean;
}

/** Shows `p` in the page's #progress line ("3 ranked · 1 skipped · 12 to go"); `done` says what was done. */
export function showProgress(p: Progress | undefined, done: string): void {
  if (!p) return;
  const left = p.pending + p.available;
  byId('progress').textContent =
    `${p.done} ${done} · ${p.skipped} skipped · ${left}${p.more ? '+' : ''} to go`;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The server refuses a time_ms over a day: MAX_TIME_MS of src/data/ranking.ts, repeated
 * because the pages' scripts are served one file at a time and import only each other.
 */
const MAX_TIME_MS = 86_400_000;

/**
 * Milliseconds since `started` (a performance.now() reading), as a submission's time_ms.
 * Capped at the server's day: a task left open longer must still go through, not be
 * refused on every click with its draft stuck.
 */
export function elapsedMs(started: number): number {
  return Math.min(Math.round(performance.now() - started), MAX_TIME_MS);
}

const TOKEN_KEY = 'rein-token';

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function logout(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload();
}

export async function api<T>(path: string, init: { method?: string; json?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${getToken() ?? ''}` };
  if (init.json !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method: init.method ?? 'GET',
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const err = body?.error ?? {};
    throw new ApiError(res.status, err.code ?? 'http', err.message ?? `HTTP ${res.status}`);
  }
  return body as T;
}

/** A random id (crypto.randomUUID needs a secure context; getRandomValues does not). */
function randomId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** The submission id for a task: made once, reused by every retry and after a reload. */
export function submissionIdFor(assignmentId: string): string {
  const key = `rein-sub-${assignmentId}`;
  let id = sessionStorage.getItem(key);
  if (!id) {
    id = `web-${randomId()}`;
    sessionStorage.setItem(key, id);
  }
  return id;
}

export function forgetTask(assignmentId: string): void {
  sessionStorage.removeItem(`rein-sub-${assignmentId}`);
  sessionStorage.removeItem(`rein-draft-${assignmentId}`);
}

/**
 * POSTs a submission, retrying on network failures and 5xx with backoff (the same
 * submission id each time). 4xx answers are final and thrown.
 */
export async function submit<T>(path: string, json: unknown, onRetry: (attempt: number) => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await api<T>(path, { method: 'POST', json });
    } catch (e) {
      const retriable = !(e instanceof ApiError) || e.status >= 500;
      if (!retriable || attempt >= 6) throw e;
      onRetry(attempt + 1);
      await new Promise((r) => setTimeout(r, Math.min(8000, 250 * 2 ** attempt)));
    }
  }
}

/**
 * Sends a labeler's answer to a task (`path`: ranking, rating, skip) under the task's submission id,
 * telling the labeler through `say` about retries and failures. 'stored': the answer was taken;
 * 'finished': the task had been finished already (a 409: another tab, or a retry that got through),
 * so the page moves on all the same; 'failed': nothing was stored and the labeler may try again.
 */
export async function submitTaskAnswer(
  assignmentId: string,
  path: string,
  body: Record<string, unknown>,
  say: (message: string) => void,
): Promise<'stored' | 'finished' | 'failed'> {
  try {
    await submit(
      `/api/assignments/${assignmentId}/${path}`,
      { submission_id: submissionIdFor(assignmentId), ...body },
      (n) => say(`Connection problem — retrying (${n})…`),
    );
    return 'stored';
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) {
      say('This task was already finished; moving on.');
      return 'finished';
    }
    say(`Could not submit: ${e instanceof Error ? e.message : String(e)}`);
    return 'failed';
  }
}

/**
 * Signs in: a token in the URL fragment (`#token=…`, as `rein feedback labeler add`
 * prints it; a fragment never reaches the server or a referrer) or from the form.
 * Resolves once /api/me accepts the token.
 */
export async function signIn(): Promise<Me> {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  const form = byId<HTMLFormElement>('login');
  const input = byId<HTMLInputElement>('login-token');
  const error = byId('login-error');
  for (;;) {
    if (getToken()) {
      try {
        const me = await api<Me>('/api/me');
        form.hidden = true;
        const who = document.getElementById('who');
        if (who) who.textContent = me.name;
        const out = document.getElementById('logout');
        if (out) {
          out.hidden = false;
          out.addEventListener('click', logout);
        }
        return me;
      } catch (e) {
        sessionStorage.removeItem(TOKEN_KEY);
        error.textContent =
          e instanceof ApiError && e.status === 401 ? 'That token was not accepted.' : String(e);
      }
    }
    form.hidden = false;
    input.focus();
    await new Promise<void>((resolve) =>
      form.addEventListener(
        'submit',
        (ev) => {
          ev.preventDefault();
          sessionStorage.setItem(TOKEN_KEY, input.value.trim());
          input.value = '';
          resolve();
        },
        { once: true },
      ),
    );
  }
}
