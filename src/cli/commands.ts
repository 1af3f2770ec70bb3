/**
 * The table of `rein` commands. Each entry loads its module only when run, so
 * `rein --help` stays instant and a command's heavy imports cost nothing elsewhere.
 * A command module exports `run(argv: string[]): Promise<void>`.
 */
export interface CommandModule {
  run(argv: string[]): Promise<void>;
}

export interface CommandEntry {
  summary: string;
  load: () => Promise<CommandModule>;
}

export const commands: Record<string, CommandEntry> = {
  demo: {
    summary: 'the main job: world → base → SFT → rankings → reward model → PPO → patch → report',
    load: () => import('./demo.js'),
  },
  generate: {
    summary: 'sample text from a model (llama2.c .bin, Hugging Face folder, rein checkpoint)',
    load: () => import('./generate.js'),
  },
  export: {
    summary: 'write a model as a Hugging Face folder (transformers) or a llama2.c .bin, with its tokenizer',
    load: () => import('./export.js'),
  },
  pretrain: {
    summary: 'train a base model from scratch on a world (or text corpus)',
    load: () => import('./pretrain.js'),
  },
  eval: {
    summary:
      "judge models on the assistant world's held-out prompts: misalignment rates, accuracy, gold; bench: any model on public benchmarks",
    load: () => import('./eval.js'),
  },
  probe: {
    summary: 'test a policy for misbehaviour and open a focused ranking round on the worst problem',
    load: () => import('./probe.js'),
  },
  bench: {
    summary: "benchmarks: train and generate vs the PyTorch baseline; feedback: labelers' load on rein serve",
    load: () => import('./bench.js'),
  },
  feedback: {
    summary: 'ranking rounds: rounds, labelers, candidates, import (rankings, OASST, HH-RLHF), export',
    load: () => import('./feedback.js'),
  },
  world: {
    summary:
      'the assistant world: build (generator), judge (gold judge), metrics, label (simulated labelers), agreement',
    load: () => import('./world.js'),
  },
  sft: {
    summary: 'supervised fine-tuning on demonstrations (the output folder becomes a checkpoint)',
    load: () => import('./sft.js'),
  },
  rm: {
    summary: 'reward model: train on rankings / pairs / HH-RLHF / OASST, eval pairwise accuracy',
    load: () => import('./rm.js'),
  },
  ppo: {
    summary: 'PPO against a reward model, KL-held to the SFT model (--resume continues a killed run)',
    load: () => import('./ppo.js'),
  },
  grpo: {
    summary: 'GRPO: G answers per prompt scored against their group, no value model (--resume as ppo)',
    load: () => import('./grpo.js'),
  },
  rloo: {
    summary:
      'RLOO: G answers per prompt, each against the mean of the others, KL in the reward (--resume as ppo)',
    load: () => import('./rloo.js'),
  },
  dpo: {
    summary:
      'direct preference optimisation on rankings or pairs, with IPO, SimPO and ORPO (no reward model, no sampling)',
    load: () => import('./dpo.js'),
  },
  'online-dpo': {
    summary:
      "online DPO: pairs of the policy's own answers, the reward model picking the better (--resume as ppo)",
    load: () => import('./online-dpo.js'),
  },
  kto: {
    summary:
      'Kahneman–Tversky optimisation on answers marked good or bad one at a time (thumbs up/down), or unpaired preferences',
    load: () => import('./kto.js'),
  },
  bon: {
    summary: 'best-of-N sampling: N samples per prompt, the reward model picks the best',
    load: () => import('./bon.js'),
  },
  distill: {
    summary:
      "knowledge distillation (GKD): a student learns a teacher's token distributions, on the data's answers and its own",
    load: () => import('./distill.js'),
  },
  report: {
    summary: "training runs' curves (their log.jsonl) side by side in one HTML page that opens offline",
    load: () => import('./report.js'),
  },
  serve: {
    summary: 'serve the feedback app (pages + JSON API) on a database',
    load: () => import('./serve.js'),
  },
  recipe: {
    summary:
      'worked examples on real data: hh-rlhf (reward model on HH-RLHF vs bag-of-words), stories (RLHF of the real stories260K model)',
    load: () => import('./recipe.js'),
  },
};
