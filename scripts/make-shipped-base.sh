#!/usr/bin/env bash
# Remakes models/assistant-base, the base model `rein demo` starts from (src/pipeline/shipped-base.ts):
# the default world (seed 1), `rein pretrain` with its defaults, and its measured figures.
# About 21 minutes on two quiet cores. Run it whenever the world generator's corpus or `rein pretrain`'s
# defaults change (src/pipeline/shipped-base.test.ts fails until then).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
out=models/assistant-base
npx rein world build --seed 1 --out "$work/world"
start=$(date +%s)
npx rein pretrain --world "$work/world" --out "$work/base"
seconds=$(( $(date +%s) - start ))
npx rein eval --model "$work/base" --world "$work/world" --json "$work/eval.json"
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
cp "$work/base/config.json" "$work/base/model.safetensors" "$work/base/tokenizer.json" "$out.tmp/"
WORK="$work" SECONDS_TAKEN="$seconds" node --input-type=module -e '
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
const work = process.env.WORK;
const sha = createHash("sha256").update(readFileSync(`${work}/world/pretrain.jsonl`)).digest("hex");
const log = readFileSync(`${work}/base/log.jsonl`, "utf8").trim().split("\n").map((l) => JSON.parse(l));
const heldout = log.filter((r) => r.heldout_loss !== undefined).map((r) => ({ step: r.step, heldout_loss: r.heldout_loss }));
const evalReport = Object.values(JSON.parse(readFileSync(`${work}/eval.json`, "utf8")))[0];
const provenance = {
  corpus_sha256: sha,
  command: "rein world build --seed 1 --out W && rein pretrain --world W --out B (scripts/make-shipped-base.sh)",
  train_config: JSON.parse(readFileSync(`${work}/base/train-config.json`, "utf8")),
  pretrain_seconds: Number(process.env.SECONDS_TAKEN),
  heldout_loss: heldout,
  eval: { label_rates: evalReport.label_rates, fact_accuracy: evalReport.fact_accuracy, math_accuracy: evalReport.math_accuracy, gold_mean: evalReport.gold_mean },
  made_at: new Date().toISOString(),
};
delete provenance.train_config.world;
delete provenance.train_config.out;
writeFileSync("models/assistant-base.tmp/provenance.json", `${JSON.stringify(provenance, null, 2)}\n`);
'
rm -rf "$out" && mv "$out.tmp" "$out" && rm -rf "$work"
echo "wrote $out"
