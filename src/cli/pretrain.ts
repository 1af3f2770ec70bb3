/** `rein pretrain`: a base model from scratch on the assistant world's corpus (or any text corpus). */
import { PretrainConfig } from '../train/pretrain/config.js';
import { pretrain } from '../train/pretrain/train.js';
import { ConfigError, configHelp, resolveConfig, splitConfigArgs } from '../util/config.js';
import { CliError } from './errors.js';

export async function run(argv: string[]): Promise<void> {
  let cfg: PretrainConfig;
  try {
    const args = splitConfigArgs(argv);
    if (args.help) {
      console.log(`usage: rein pretrain --world DIR --out DIR [options]\n\n${configHelp(PretrainConfig)}`);
      return;
    }
    cfg = resolveConfig(PretrainConfig, args);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message);
    throw e;
  }
  if (!cfg.world && !cfg.corpus)
    throw new CliError('pretrain: give --world DIR (a world from `rein world build`) or --corpus FILE');
  const t0 = Date.now();
  const result = pretrain(cfg);
  const seconds = (Date.now() - t0) / 1000;
  console.log(
    `pretrained ${(result.parameters / 1e6).toFixed(2)} M parameters on ${result.tokens} corpus tokens in ${seconds.toFixed(0)} s: ` +
      `train loss ${result.finalTrainLoss.toFixed(3)}, held-out loss ${result.heldoutLoss.toFixed(3)} → ${cfg.out}`,
  );
  console.log(
    JSON.stringify({
      checkpoint: cfg.out,
      parameters: result.parameters,
      seconds,
      heldout_loss: result.heldoutLoss,
    }),
  );
}
