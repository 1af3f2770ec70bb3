/**
 * `rein feedback …`: set up and harvest labeling rounds — rounds, labelers (tokens),
 * prompts with candidates, imports (rankings, Open Assistant trees, HH-RLHF pairs, TRL pairs,
 * unpaired thumbs) and exports (rankings, TRL pairs, TRL unpaired records, rating records, SFT demonstrations).
 */
import { basename } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { readBinaryFeedback } from '../data/binary-feedback.js';
import { hhRankings, readHhPairs } from '../data/hh-rlhf.js';
import { DataFileError, readJsonl, toJsonl } from '../data/jsonl.js';
import { oasstRankings, readOasstTrees } from '../data/oasst.js';
import { MAX_GAP, marginIsGap, pairRankings, RankingRecord, readPairs } from '../data/ranking.js';
import { readPromptsFile } from '../feedback/candidates-file.js';
import { openStore, redactDbUrl } from '../feedback/db/open.js';
import type { FeedbackStore } from '../feedback/db/store.js';
import { MAX_CANDIDATES, type PromptInput, StoreError } from '../feedback/db/types.js';
import { EXPORT_FORMATS, type ExportFormat, exportRecords } from '../feedback/export.js';
import { hashToken, newToken } from '../feedback/tokens.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { CliError } from './errors.js';
import {
  type Command,
  integerFlag,
  parseCommandArgs,
  positiveFlag,
  probabilityFlag,
  requiredFlag,
} from './flags.js';

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
                       prompts with candidates ({prompt, candidates:[…]} or the world's
                       prompt records + candidates); what a prompt becomes depends on its
                       candidates: 2–16 a ranking task, exactly 1 a rating task (thumbs up
                       or down on that answer, page /rate), none a demonstration task
                       (someone writes the ideal answer, page /demo)
  add-candidates --round R --model CKPT --prompts FILE [--k K] [--tokenizer PATH]
                 [--max-new N] [--temperature T] [--top-p P] [--seed S]
                       sample K answers (default 4; 1 makes rating tasks) to each prompt of
                       FILE with a model (rein checkpoint or run folder, Hugging Face folder,
                       llama2.c .bin)
  import --round R --from FILE --format rankings|oasst|hh|pairs|unpaired [--source NAME]
                       rankings JSONL, Open Assistant trees (*_tree.jsonl: ranked sibling
                       replies → one K-way ranking), HH-RLHF {chosen, rejected} pairs, TRL's
                       preference pairs ({prompt, chosen, rejected}, strings or messages, or
                       an implicit prompt: each a K = 2 ranking by NAME), or TRL's unpaired
                       {prompt, completion, label} (each a rating prompt rated by NAME); NAME
                       defaults to the file's name (.jsonl or .jsonl.gz); the round is created
                       if missing; importing a file into a round again adds nothing
  export --format rankings|pairs|unpaired|ratings|demos --out FILE [--round R]
                       rankings: ranking records; pairs: TRL {prompt, chosen, rejected};
                       unpaired: TRL {prompt, completion, label} for rein kto — every rating
                       (label true for a thumbs up), then every ranking unpaired as rein kto
                       unpairs one; an answer rated by several labelers gives one record per
                       rating, not their majority (as TRL's datasets do: agreement counts
                       twice, disagreement stays as label noise); ratings: rating records
                       (the rater, the answer, the thumb, flags, note, time); demos: SFT
                       {prompt, response}; written atomically

--db URL: postgres://user@host/db, or a SQLite file (sqlite:FILE or a path);
default $REIN_FEEDBACK_DB.`;

/** A subcommand's flags and --db, which every subcommand takes; null when it printed the help. */
function parse<const O extends NonNullable<ParseArgsConfig['options']>>(
  command: Command,
  argv: string[],
  options: O,
) {
  return parseCommandArgs(command, argv, { ...options, db: { type: 'string' } })?.values ?? null;
}

/** Opens the store, runs `fn`, closes it; expected failures become one-line CLI errors. */
async function withStore<T>(
  command: Command,
  dbFlag: string | undefined,
  fn: (s: FeedbackStore) => Promise<T>,
): Promise<T> {
  const db = requiredFlag(command, 'db', dbFlag ?? process.env.REIN_FEEDBACK_DB);
  let store: FeedbackStore;
  try {
    store = await openStore(db);
  } catch (e) {
    throw new CliError(`${command.name}: cannot open --db ${redactDbUrl(db)}: ${(e as Error).message}`);
  }
  try {
    return await fn(store);
  } catch (e) {
    if (e instanceof StoreError || e instanceof DataFileError)
      throw new CliError(`${command.name}: ${e.message}`);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CliError(`${command.name}: ${(e as Error).message}`);
    throw e;
  } finally {
    await store.close();
  }
}

/** Reads a prompts file; a missing file or bad line is a one-line CLI error. */
function readPrompts(file: string, command: Command): PromptInput[] {
  try {
    return readPromptsFile(file);
  } catch (e) {
    if (e instanceof DataFileError || (e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(`${command.name}: ${(e as Error).message}`);
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
  const command: Command = { name: `feedback ${key}`, help: HELP };
  switch (key) {
    case 'round create': {
      const v = parse(command, args, {
        name: { type: 'string' },
        focus: { type: 'string', default: '' },
        'labelers-per-prompt': { type: 'string', default: '1' },
      });
      if (!v) return;
      const m = integerFlag(command.name, 'labelers-per-prompt', v['labelers-per-prompt'], 1);
      const name = requiredFlag(command, 'name', v.name);
      const r = await withStore(command, v.db, (s) =>
        s.createRound({ name, focus: v.focus, labelersPerPrompt: m }),
      );
      console.log(`round '${r.name}' created (id ${r.id}, ${r.labelers_per_prompt} labeler(s) per prompt)`);
      return;
    }
    case 'round list': {
      const v = parse(command, args, {});
      if (!v) return;
      const rounds = await withStore(command, v.db, (s) => s.listRounds());
      for (const r of rounds) {
        console.log(
          `${r.name}\t${r.ranking_prompts} ranking + ${r.rating_prompts} rating + ${r.demonstration_prompts} demonstration prompts × ${r.labelers_per_prompt}\t` +
            `${r.rankings} rankings, ${r.ratings} ratings, ${r.demonstrations} demonstrations, ${r.assignments.pending} in progress, ${r.assignments.skipped} skipped` +
            (r.focus ? `\tfocus: ${r.focus}` : ''),
        );
      }
      if (rounds.length === 0) console.log('no rounds yet');
      return;
    }
    case 'labeler add': {
      const v = parse(command, args, {
        name: { type: 'string' },
        admin: { type: 'boolean', default: false },
      });
      if (!v) return;
      const name = requiredFlag(command, 'name', v.name);
      const token = newToken();
      const l = await withStore(command, v.db, (s) =>
        s.addLabeler({ name, role: v.admin ? 'admin' : 'labeler', tokenHash: hashToken(token) }),
      );
      console.log(`${l.role} '${l.name}' added. Their token (shown only now; only its hash is stored):`);
      console.log(token);
      console.log(`Sign-in link: http://HOST:PORT/${v.admin ? 'admin' : ''}#token=${token}`);
      return;
    }
    case 'labeler token': {
      const v = parse(command, args, { name: { type: 'string' } });
      if (!v) return;
      const name = requiredFlag(command, 'name', v.name);
      const token = newToken();
      const l = await withStore(command, v.db, (s) => s.setTokenHash(name, hashToken(token)));
      console.log(`new token for ${l.role} '${l.name}' (the old one no longer works):`);
      console.log(token);
      return;
    }
    case 'labeler list': {
      const v = parse(command, args, {});
      if (!v) return;
      for (const l of await withStore(command, v.db, (s) => s.listLabelers()))
        console.log(`${l.name}\t${l.role}\t${l.created_at}`);
      return;
    }
    case 'add-candidates': {
      const v = parse(command, args, {
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
      });
      if (!v) return;
      const round = requiredFlag(command, 'round', v.round);
      let prompts: PromptInput[];
      if (v.model !== undefined) {
        if (v.from !== undefined)
          throw new CliError(`feedback ${key}: give --from FILE or --model CKPT --prompts FILE, not both`);
        const file = requiredFlag(command, 'prompts', v.prompts);
        // one answer makes a rating task, 2 to 16 a ranking task
        const k = integerFlag(command.name, 'k', v.k, 1, MAX_CANDIDATES);
        const maxNew = integerFlag(command.name, 'max-new', v['max-new'], 1);
        const temperature = positiveFlag(command.name, 'temperature', v.temperature);
        const topP = probabilityFlag(command.name, 'top-p', v['top-p']);
        const seed = integerFlag(command.name, 'seed', v.seed);
        const { loadModel } = await import('../model/checkpoint.js');
        const { sampleCandidates } = await import('../feedback/sample-candidates.js');
        const source = readPrompts(file, command);
        const t0 = performance.now();
        try {
          const loaded = loadModel(v.model, v.tokenizer ?? null);
          prompts = sampleCandidates(
            loaded,
            source,
            { k, maxNew, temperature, topP, seed, promptsPerBatch: 8 },
            v.model,
          );
        } catch (e) {
          throw new CliError(`feedback ${key}: ${(e as Error).message}`);
        }
        console.log(
          `sampled ${k} candidates for each of ${prompts.length} prompts in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
        );
      } else {
        prompts = readPrompts(requiredFlag(command, 'from', v.from), command);
      }
      const r = await withStore(command, v.db, (s) => s.addPrompts(round, prompts));
      console.log(`added ${r.added} prompts to round '${round}' (${r.skipped} already there)`);
      return;
    }
    case 'import': {
      const v = parse(command, args, {
        round: { type: 'string' },
        from: { type: 'string' },
        format: { type: 'string', default: 'rankings' },
        source: { type: 'string' },
      });
      if (!v) return;
      const round = requiredFlag(command, 'round', v.round);
      const from = requiredFlag(command, 'from', v.from);
      const format = v.format;
      if (!['rankings', 'oasst', 'hh', 'pairs', 'unpaired'].includes(format))
        throw new CliError(
          `feedback import: --format must be rankings, oasst, hh, pairs or unpaired, got '${format}'`,
        );
      if (v.source !== undefined && format !== 'unpaired' && format !== 'pairs')
        throw new CliError('feedback import: --source names who judged pairs or unpaired records only');
      // the file's name by default: two files judging the same answers stay two judges
      const source = v.source ?? basename(from).replace(/\.jsonl(\.gz)?$/, '');
      await withStore(command, v.db, async (s) => {
        // made only once the file has been read, so a bad file leaves no empty round behind
        const ensureRound = async () => {
          if (await s.getRound(round)) return;
          await s.createRound({ name: round, focus: '', labelersPerPrompt: 1 });
          console.log(`round '${round}' created`);
        };
        if (format === 'unpaired') {
          const records = readBinaryFeedback(from);
          await ensureRound();
          const r = await s.importRatings(round, records, source);
          console.log(
            `imported ${r.added} ratings by '${source}' (${r.existing} already there, ${r.prompts} new prompts) into '${round}'`,
          );
          return;
        }
        let records: RankingRecord[];
        let note = '';
        if (format === 'oasst') records = oasstRankings(readOasstTrees(from), { round });
        else if (format === 'hh') {
          const hh = readHhPairs(from);
          records = hhRankings(hh.pairs, { round });
          if (hh.skipped.length > 0) {
            note = `; skipped ${hh.skipped.length} unusable line(s), e.g. ${basename(from)}:${hh.skipped[0].line}: ${hh.skipped[0].reason}`;
          }
        } else if (format === 'pairs') {
          const pairs = readPairs(from);
          // a ranking per judge of a pair: another file judging the same pairs adds its own
          records = pairRankings(pairs, { round, labeler: source, idPrefix: 'pair' }).map((r) => ({
            ...r,
            id: `${r.id}.${source}`,
          }));
          // a margin is kept as the K = 2 ranking's gap where it can be one
          const lost = pairs.filter((p) => p.margin !== undefined && !marginIsGap(p.margin)).length;
          if (lost > 0)
            note = `; the margins of ${lost} pair(s) are not kept: a ranking's gap runs from 0 to ${MAX_GAP} (train on the file itself to use them)`;
        } else records = readJsonl(from, RankingRecord);
        await ensureRound();
        const r = await s.importRankings(round, records);
        console.log(
          `imported ${r.added} rankings (${r.existing} already there, ${r.prompts} new prompts) into '${round}'${note}`,
        );
      });
      return;
    }
    case 'export': {
      const v = parse(command, args, {
        format: { type: 'string' },
        out: { type: 'string' },
        round: { type: 'string' },
      });
      if (!v) return;
      const format = requiredFlag(command, 'format', v.format);
      if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
        throw new CliError(
          `feedback export: --format must be one of ${EXPORT_FORMATS.join(', ')}, got '${format}'`,
        );
      }
      const out = requiredFlag(command, 'out', v.out);
      const records = await withStore(command, v.db, (s) =>
        exportRecords(s, format as ExportFormat, { round: v.round }),
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
  const command: Command = { name: 'bench feedback', help: BENCH_HELP };
  const parsed = parseCommandArgs(command, argv, {
    db: { type: 'string' },
    labelers: { type: 'string', default: '50' },
    submissions: { type: 'string', default: '200' },
    k: { type: 'string', default: '4' },
    kill: { type: 'boolean', default: false },
  });
  if (!parsed) return;
  const { values: v } = parsed;
  const int = (name: 'labelers' | 'submissions' | 'k', min: number, max: number) =>
    integerFlag(command.name, name, v[name], min, max);
  const { runFeedbackBench } = await import('../bench/feedback.js');
  let result: Awaited<ReturnType<typeof runFeedbackBench>>;
  try {
    result = await runFeedbackBench({
      db: v.db,
      labelers: int('labelers', 1, 1000),
      submissions: int('submissions', 1, 100_000),
      k: int('k', 2, 16),
      kill: v.kill,
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
