/**
 * rein as a library: `import { … } from 'rein'`. The same pieces the commands are made of, one
 * layer at a time (see the README's "rein as a library"): the tensor engine, models and
 * tokenizers, the trainers with their config schemas, the assistant world and its gold judge,
 * evaluation, the feedback store and server, and the whole demo.
 */

// data: preference files in every format rein reads, rankings and their pairs; CSV (RFC 4180)
export { parseCsv, readCsv } from './data/csv.js';
export { readJsonl } from './data/jsonl.js';
export { type RankingRecord, rankingPairs } from './data/ranking.js';
// any model on public benchmarks, no judge: TruthfulQA, CAA sycophancy, XSTest, HarmBench
export { type BenchModel, modelBench } from './eval/benchmarks/bench-model.js';
export {
  BENCH_FILES,
  loadHarmBench,
  loadSycophancy,
  loadTruthfulQa,
  loadXsTest,
  loadXsTestCompletions,
} from './eval/benchmarks/data.js';
export { generateAnswers } from './eval/benchmarks/generation.js';
export { answerLogLikelihoods } from './eval/benchmarks/likelihood.js';
export { isRefusal, refusalMatch } from './eval/benchmarks/refusal.js';
export { refusalAgreement } from './eval/benchmarks/refusal-agreement.js';
export { BENCH_SUITES, type BenchResult, runBenchmarks } from './eval/benchmarks/runner.js';
export { mc1Correct, mc2TrueMass, sycophancyScore } from './eval/benchmarks/scoring.js';
export { formatBenchTables } from './eval/benchmarks/table.js';
// training runs' curves side by side (`rein report`): read run folders, render one offline HTML page
export { readTrainingRun, type TrainingRun } from './eval/run-report/read-run.js';
export { renderRunReport } from './eval/run-report/render.js';
// the assistant world: generator, gold judge, simulated labelers; evaluation against the judge
export { evaluateResponses, goldWinRate } from './eval/world-metrics.js';
// the feedback app: the store (SQLite or PostgreSQL) and its HTTP API
export { openStore } from './feedback/db/open.js';
export { createApp } from './feedback/server/app.js';
// models and tokenizers: llama2.c, Hugging Face folders and rein checkpoints, read and written (`rein export`)
export {
  attachLora,
  exportHfFolder,
  exportLlama2c,
  generate,
  loadModel,
  mergeLora,
  readAdapterFiles,
  resolveModelConfig,
  saveCheckpoint,
  Transformer,
} from './model/index.js';
export { sampleAnswers } from './model/sample-chat.js';
export { AdamW, clipGradNorm, warmupCosine } from './optim/index.js';
// a policy judged on the world's held-out prompts; the whole story, as `rein demo` runs it
export { runDemo } from './pipeline/demo.js';
export { DemoConfig } from './pipeline/demo-config.js';
export { evaluatePolicy } from './pipeline/policy-eval.js';
// the engine: tensors with autograd on the native (OpenBLAS) or TypeScript kernels
export * as tensor from './tensor/index.js';
export {
  BpeTokenizer,
  chatTemplateJinja,
  encodeChat,
  hfTokenizerFiles,
  loadTokenizer,
} from './tokenizer/index.js';
export type { Tokenizer } from './tokenizer/tokenizer.js';
// the methods: each a config schema (defaults, validation) and a function that trains
export { bestOfN, bonKlBound } from './train/bon/best-of-n.js';
export { loadPreferenceData } from './train/common/preference-data.js';
export type { RewardFunction } from './train/common/reward-function.js';
export { DpoConfig } from './train/dpo/config.js';
export { trainDpo } from './train/dpo/train.js';
export { GrpoConfig } from './train/grpo/config.js';
export { trainCriticFree, trainGrpo } from './train/grpo/train.js';
export { KtoConfig } from './train/kto/config.js';
export { type FeedbackExample, loadFeedbackData } from './train/kto/data.js';
export { trainKto } from './train/kto/train.js';
export { OnlineDpoConfig } from './train/online-dpo/config.js';
export { trainOnlineDpo } from './train/online-dpo/train.js';
export { PpoConfig } from './train/ppo/config.js';
export { trainPpo } from './train/ppo/train.js';
export { PretrainConfig } from './train/pretrain/config.js';
export { pretrain } from './train/pretrain/train.js';
export { RewardConfig } from './train/reward/config.js';
export { fromRanking, type RankedPrompt } from './train/reward/data.js';
export { patchRewardModel } from './train/reward/patch.js';
export { pairwiseAccuracy, scoreAnswers } from './train/reward/score.js';
export { trainRewardModel } from './train/reward/train.js';
export { RlooConfig } from './train/rloo/config.js';
export { trainRloo } from './train/rloo/train.js';
export { SftConfig } from './train/sft/config.js';
export { trainSft } from './train/sft/train.js';
export { writeWorld } from './world/build.js';
export { generateWorld } from './world/generate.js';
export { judge } from './world/judge.js';
export { labelerPool, labelRound, makeLabeler, rankCandidates } from './world/labelers.js';
