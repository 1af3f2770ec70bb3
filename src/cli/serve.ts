/**
 * `rein serve --db URL --port N`: the feedback app (JSON API + pages). SIGTERM/SIGINT
 * stop it cleanly: no new connections, in-flight requests finish, the database closes.
 */
import { openStore, redactDbUrl } from '../feedback/db/open.js';
import { DEFAULT_TASK_TIMEOUT_MS, MAX_TASK_TIMEOUT_MS } from '../feedback/db/store.js';
import { createApp } from '../feedback/server/app.js';
import { listen } from '../feedback/server/listen.js';
import { mountPages } from '../web/pages.js';
import { CliError } from './errors.js';
import { type Command, checkedNumber, integerFlag, parseCommandArgs, requiredFlag } from './flags.js';

const HELP = `usage: rein serve --db URL [--port N] [--host H]

Serves the feedback app: the ranking page (/), the rating page (/rate: thumbs up or
down on one answer), the demonstration page (/demo), the admin page (/admin) and the
JSON API (/api/…), authenticated by per-labeler tokens (rein feedback labeler add).

options:
  --db URL      postgres://user@host/db, or a SQLite file (sqlite:FILE or a path)
                (default: $REIN_FEEDBACK_DB)
  --port N      port (default 8080; 0 picks a free one)
  --host H      address to listen on (default 127.0.0.1; use 0.0.0.0 to serve a network,
                behind a TLS proxy: tokens travel in headers)
  --max-body N  largest request body in bytes (default 131072)
  --task-timeout MIN
                minutes a claimed task waits for its submission before another labeler
                may get it (default ${DEFAULT_TASK_TIMEOUT_MS / 60_000}; at most ${MAX_TASK_TIMEOUT_MS / 60_000}, a year)`;

const COMMAND: Command = { name: 'serve', help: HELP };

export async function run(argv: string[]): Promise<void> {
  const parsed = parseCommandArgs(COMMAND, argv, {
    db: { type: 'string' },
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    'max-body': { type: 'string', default: '131072' },
    'task-timeout': { type: 'string', default: String(DEFAULT_TASK_TIMEOUT_MS / 60_000) },
  });
  if (!parsed) return;
  const { values } = parsed;
  const db = requiredFlag(COMMAND, 'db', values.db ?? process.env.REIN_FEEDBACK_DB);
  const port = integerFlag(COMMAND.name, 'port', values.port, 0, 65535);
  const maxBody = integerFlag(COMMAND.name, 'max-body', values['max-body'], 1024);
  const maxMinutes = MAX_TASK_TIMEOUT_MS / 60_000;
  const timeoutMinutes = checkedNumber(
    COMMAND.name,
    'task-timeout',
    values['task-timeout'],
    (x) => x > 0 && x <= maxMinutes,
    `a positive number of minutes up to ${maxMinutes} (one year)`,
  );

  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(db, { taskTimeoutMs: timeoutMinutes * 60_000 });
  } catch (e) {
    throw new CliError(`serve: cannot open --db ${redactDbUrl(db)}: ${(e as Error).message}`);
  }
  const app = createApp({ store, pages: mountPages, maxBodyBytes: maxBody });
  let server: Awaited<ReturnType<typeof listen>>;
  try {
    server = await listen(app, store, { port, host: values.host });
  } catch (e) {
    await store.close();
    throw new CliError(`serve: cannot listen on ${values.host}:${port}: ${(e as Error).message}`);
  }
  // The first line is read by `rein bench feedback`: keep its shape.
  console.log(`rein serve: listening on ${server.url} (db: ${store.dialect} ${redactDbUrl(db)})`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        console.error(`rein serve: ${signal} again, exiting now`);
        process.exit(130);
      }
      stopping = true;
      console.log(`rein serve: ${signal}, finishing in-flight requests…`);
      server.close().then(() => {
        console.log('rein serve: stopped');
        resolve();
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
