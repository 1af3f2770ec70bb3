/**
 * `rein feedback …`: set up and harvest ranking rounds — rounds, labelers (tokens),
 * prompts with candidates, imports (rankings, Open Assistant trees, HH-RLHF pairs) and
 * exports (rankings, TRL pairs, SFT demonstrations).
 */
import { basename } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { hhRankings, readHhPairs } from '../data/hh-rlhf.js';
import { DataFileError, readJsonl, toJsonl } from '../data/jsonl.js';
import { oasstRankings, readOasstTrees } from '../data/oasst.js';
import { RankingRecord } from '../data/ranking.js';
import { readPromptsFile } from '../feedback/candidates-file.js';
import { openStore, redactDbUrl } from '../feedback/db/open.js';
import type { FeedbackStore } from '../feedback/db/store.js';
import { type PromptInput, StoreError } from '../feedback/db/types.js';
import { EXPORT_FORMATS, type ExportFormat, exportRecords } from '../feedback/export.js';
import { hashToken, newToken } from '../feedback/tokens.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { CliError } from './errors.js';

const HELP = `usage: rein feedback <command> --db URL [options]

  round create --name N [--focus TEXT] [--labelers-per-prompt M]
                       a labeling round; focus = what labelers should look hard at;
                       each prompt goes to M distinct labelers (default 1)
  round list           rounds with progress
  labeler add --name N [--admin]
                       a person; prints their token once (only its hash is stored)
  labeler token --name N
                       a new token for N (the old one stops working: use when one leaks)
  labeler list         people and imported sources
  add-candidates --round R --from FILE.jsonl
                       prompts with K candidates ({prompt, candidates:[…]} or the world's
                       prompt records + candidates); a prompt without candidates becomes a
                       demonstration task (someone writes the ideal answer)
  add-candidates --round R --model CKPT --prompts FILE [--k K] [--tokenizer PATH]
                 [--max-new N] [--temperature T] [--top-p P] [--seed S]
                       sample K answers (default 4) to each prompt of FILE with a model
                       (rein checkpoint or run folder, Hugging Face folder, llama2.c .bin)
  import --round R --from FILE --format rankings|oasst|hh
                       rankings JSONL, Open Assistant trees (*_tree.jsonl: ranked sibling
                       replies → one K-way ranking), or HH-RLHF {chosen, rejected} pairs
                       (.jsonl or .jsonl.gz); the round is created if missing; importing a
                       file into a round again adds nothing
  export --format rankings|pairs|demos --out FILE [--round R]
                       rankings: ranking records; pairs: TRL {prompt, chosen, rejected};
                       demos: SFT {prompt, response}; written atomically

--db URL: postgres://user@host/db, or a SQLite file (sqlite:FILE or a path);
default $REIN_FEEDBACK_DB.`;

type Values = Record<string, string | boolean | undefined>;

function parse(argv: string[], options: NonNullable<ParseArgsConfig['options']>, what: string): Values {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { ...options, db: { type: 'string' } },
    }).values as Values;
  } catch (e) {
    throw new CliError(`feedback ${what}: ${(e as Error).message}\n\n${HELP}`);
  }
}

function need(v: Values, name: string, what: string): string {
  const x = v[name];
  if (typeof x !== 'string' || x === '')
    throw new CliError(`feedback ${what}: --${name} is required\n\n${HELP}`);
  return x;
}

/** Opens the store, runs `fn`, closes it; expected failures become one-line CLI errors. */
async function withStore<T>(v: Values, what: string, fn: (s: FeedbackStore) => Promise<T>): Promise<T> {
  const db = (v.db as string | undefined) ?? process.env.REIN_FEEDBACK_DB;
  if (!db) throw new CliError(`feedback ${what}: --db is required\n\n${HELP}`);
  let store: FeedbackStore;
  try {
    store = await openStore(db);
  } catch (e) {
    throw new CliError(`feedback ${what}: cannot open --db ${redactDbUrl(db)}: ${(e as Error).message}`);
  }
  try {
    return await fn(store);
  } catch (e) {
    if (e instanceof StoreError || e instanceof DataFileError)
      throw new CliError(`feedback ${what}: ${e.message}`);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CliError(`feedback ${what}: ${(e as Error).message}`);
    throw e;
  } finally {
    await store.close();
  }
}

/** Reads a prompts file; a missing file or bad line is a one-line CLI error. */
function readPrompts(file: string, what: string): PromptInput[] {
  try {
    return readPromptsFile(file);
  } catch (e) {
    if (e instanceof DataFileError || (e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(`feedback ${what}: ${(e as Error).message}`);
    }
    throw e;
  }
}

export async function run(argv: string[]): Promise<void> {
  const [a, b, ...rest] = argv;
  // `feedback round create --help` asks for the same page as `feedback --help`
  if (!a || a === 'help' || argv.some((x) => x === '--help' || x === '-h')) {
    console.log(HELP);
    return;
  }
  const key = ['round', 'labeler'].includes(a) ? `${a} ${b ?? ''}`.trim() : a;
  const args = ['round', 'labeler'].includes(a) ? rest : argv.slice(1);
  switch (key) {
    case 'round create': {
      const v = parse(
        args,
        {
          name: { type: 'string' },
          focus: { type: 'string', default: '' },
          'labelers-per-prompt': { type: 'string', default: '1' },
        },
        key,
      );
      const m = Number(v['labelers-per-prompt']);
      if (!Number.isInteger(m) || m < 1)
        throw new CliError(`feedback ${key}: --labelers-per-prompt must be an integer ≥ 1`);
      const name = need(v, 'name', key);
      const r = await withStore(v, key, (s) =>
        s.createRound({ name, focus: v.focus as string, labelersPerPrompt: m }),
      );
      console.log(`round '${r.name}' created (id ${r.id}, ${r.labelers_per_prompt} labeler(s) per prompt)`);
      return;
    }
    case 'round list': {
      const v = parse(args, {}, key);
      const rounds = await withStore(v, key, (s) => s.listRounds());
      for (const r of rounds) {
        console.log(
          `${r.name}\t${r.ranking_prompts} ranking + ${r.demonstration_prompts} demonstration prompts × ${r.labelers_per_prompt}\t` +
            `${r.rankings} rankings, ${r.demonstrations} demonstrations, ${r.assignments.pending} in progress, ${r.assignments.skipped} skipped` +
            (r.focus ? `\tfocus: ${r.focus}` : ''),
        );
      }
      if (rounds.length === 0) console.log('no rounds yet');
      return;
    }
    case 'labeler add': {
      const v = parse(args, { name: { type: 'string' }, admin: { type: 'boolean', default: false } }, key);
      const name = need(v, 'name', key);
      const token = newToken();
      const l = await withStore(v, key, (s) =>
        s.addLabeler({ name, role: v.admin ? 'admin' : 'labeler', tokenHash: hashToken(token) }),
      );
      console.log(`${l.role} '${l.name}' added. Their token (shown only now; only its hash is stored):`);
      console.log(token);
      console.log(`Sign-in link: http://HOST:PORT/${v.admin ? 'admin' : ''}#token=${token}`);
      return;
    }
    case 'labeler token': {
      const v = parse(args, { name: { type: 'string' } }, key);
      const name = need(v, 'name', key);
      const token = newToken();
      const l = await withStore(v, key, (s) => s.setTokenHash(name, hashToken(token)));
      console.log(`new token for ${l.role} '${l.name}' (the old one no longer works):`);
      console.log(token);
      return;
    }
    case 'labeler list': {
      const v = parse(args, {}, key);
      for (const l of await withStore(v, key, (s) => s.listLabelers()))
        console.log(`${l.name}\t${l.role}\t${l.created_at}`);
      return;
    }
    case 'add-candidates': {
      const v = parse(
        args,
        {
          round: { type: 'string' },
          from: { type: 'string' },
          model: { type: 'string' },
          tokenizer: { type: 'string' },
          prompts: { type: 'string' },
          k: { type: 'string', default: '4' },
          'max-new': { type: 'string', default: '64' },
          temperature: { type: 'string', default: '1' },
          'top-p': { type: 'string', default: '1' },
          seed: { type: 'string', default: '0' },
        },
        key,
      );
      const round = need(v, 'round', key);
      let prompts: PromptInput[];
      if (v.model !== undefined) {
        if (v.from !== undefined)
          throw new CliError(`feedback ${key}: give --from FILE or --model CKPT --prompts FILE, not both`);
        const file = need(v, 'prompts', key);
        const numberFlag = (name: string, ok: (x: number) => boolean, what: string) => {
          const x = Number(v[name]);
          if (!Number.isFinite(x) || !ok(x))
            throw new CliError(`feedback ${key}: --${name} must be ${what}, got '${v[name]}'`);
          return x;
        };
        const k = numberFlag('k', (x) => Number.isInteger(x) && x >= 2 && x <= 16, 'an integer in 2–16');
        const maxNew = numberFlag('max-new', (x) => Number.isInteger(x) && x >= 1, 'an integer ≥ 1');
        const temperature = numberFlag('temperature', (x) => x > 0, 'a number > 0');
        const topP = numberFlag('top-p', (x) => x > 0 && x <= 1, 'in (0, 1]');
        const seed = numberFlag('seed', Number.isInteger, 'an integer');
        const { loadModel } = await import('../model/checkpoint.js');
        const { sampleCandidates } = await import('../feedback/sample-candidates.js');
        const source = readPrompts(file, key);
        const t0 = performance.now();
        try {
          const loaded = loadModel(v.model as string, (v.tokenizer as string | undefined) ?? null);
          prompts = sampleCandidates(
            loaded,
            source,
            { k, maxNew, temperature, topP, seed, promptsPerBatch: 8 },
            v.model as string,
          );
        } catch (e) {
          throw new CliError(`feedback ${key}: ${(e as Error).message}`);
        }
        console.log(
          `sampled ${k} candidates for each of ${prompts.length} prompts in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
        );
      } else {
        prompts = readPrompts(need(v, 'from', key), key);
      }
      const r = await withStore(v, key, (s) => s.addPrompts(round, prompts));
      console.log(`added ${r.added} prompts to round '${round}' (${r.skipped} already there)`);
      return;
    }
    case 'import': {
      const v = parse(
        args,
        {
          round: { type: 'string' },
          from: { type: 'string' },
          format: { type: 'string', default: 'rankings' },
        },
        key,
      );
      const round = need(v, 'round', key);
      const from = need(v, 'from', key);
      const format = v.format as string;
      if (!['rankings', 'oasst', 'hh'].includes(format))
        throw new CliError(`feedback import: --format must be rankings, oasst or hh, got '${format}'`);
      await withStore(v, key, async (s) => {
        let records: RankingRecord[];
        let note = '';
        if (format === 'oasst') records = oasstRankings(readOasstTrees(from), { round });
        else if (format === 'hh') {
          const hh = readHhPairs(from);
          records = hhRankings(hh.pairs, { round });
          if (hh.skipped.length > 0) {
            note = `; skipped ${hh.skipped.length} unusable line(s), e.g. ${basename(from)}:${hh.skipped[0].line}: ${hh.skipped[0].reason}`;
          }
        } else records = readJsonl(from, RankingRecord);
        if (!(await s.getRound(round))) {
          await s.createRound({ name: round, focus: '', labelersPerPrompt: 1 });
          console.log(`round '${round}' created`);
        }
        const r = await s.importRankings(round, records);
        console.log(
          `imported ${r.added} rankings (${r.existing} already there, ${r.prompts} new prompts) into '${round}'${note}`,
        );
      });
      return;
    }
    case 'export': {
      const v = parse(
        args,
        { format: { type: 'string' }, out: { type: 'string' }, round: { type: 'string' } },
        key,
      );
      const format = need(v, 'format', key);
      if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
        throw new CliError(
          `feedback export: --format must be one of ${EXPORT_FORMATS.join(', ')}, got '${format}'`,
        );
      }
      const out = need(v, 'out', key);
      const records = await withStore(v, key, (s) =>
        exportRecords(s, format as ExportFormat, { round: v.round as string | undefined }),
      );
      writeFileAtomic(out, toJsonl(records));
      console.log(`wrote ${records.length} records (${format}) to ${out}`);
      return;
    }
    default:
      throw new CliError(`feedback: unknown command '${key}'\n\n${HELP}`);
  }
}

const BENCH_HELP = `usage: rein bench feedback [--db URL] [--labelers N] [--submissions N] [--kill] [--k K]

N concurrent labelers on loopback each submit rankings to a real \`rein serve\` child
process (ask for a task, rank it, POST with a submission id, retry the same request on
any network error or 5xx). With --kill the server is SIGKILLed once 40 % of all rankings
are acknowledged and restarted at once. Then the database itself is checked: every
acknowledged ranking stored exactly once, none partial. The last line is JSON:
  {"acknowledged","stored","lost","duplicates","partial","rankings_per_s","p99_ms",…}
p99_ms is the acknowledged POST's own round trip; p99_with_retries_ms counts from its first
attempt (so it includes the outage under --kill).

options:
  --db URL          an EMPTY database: postgres://… or a SQLite file (default: a temp SQLite file)
  --labelers N      concurrent labelers (50)
  --submissions N   rankings per labeler (200)
  --k K             candidates per prompt (4)
  --kill            SIGKILL and restart the server mid-run`;

/** `rein bench feedback` (listed in the bench command's workload table). */
export async function runBench(argv: string[]): Promise<void> {
  let v: Values;
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      options: {
        db: { type: 'string' },
        labelers: { type: 'string', default: '50' },
        submissions: { type: 'string', default: '200' },
        k: { type: 'string', default: '4' },
        kill: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }).values as Values;
  } catch (e) {
    throw new CliError(`bench feedback: ${(e as Error).message}\n\n${BENCH_HELP}`);
  }
  if (v.help) {
    console.log(BENCH_HELP);
    return;
  }
  const int = (name: string, min: number, max: number) => {
    const x = Number(v[name]);
    if (!Number.isInteger(x) || x < min || x > max)
      throw new CliError(`bench feedback: --${name} must be an integer in ${min}–${max}`);
    return x;
  };
  const { runFeedbackBench } = await import('../bench/feedback.js');
  let result: Awaited<ReturnType<typeof runFeedbackBench>>;
  try {
    result = await runFeedbackBench({
      db: v.db as string | undefined,
      labelers: int('labelers', 1, 1000),
      submissions: int('submissions', 1, 100_000),
      k: int('k', 2, 16),
      kill: v.kill === true,
      log: (line) => console.log(`bench feedback: ${line}`),
    });
  } catch (e) {
    // The bench's own refusals (non-empty database, missing build) are expected failures.
    if ((e as Error).message.startsWith('bench feedback:')) throw new CliError((e as Error).message);
    throw e;
  }
  console.log(JSON.stringify(result));
  if (result.lost > 0 || result.duplicates > 0 || result.partial > 0) {
    throw new CliError(
      `bench feedback: durability check FAILED (lost ${result.lost}, duplicates ${result.duplicates}, partial ${result.partial})`,
      1,
    );
  }
}
