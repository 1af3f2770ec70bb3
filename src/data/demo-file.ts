/**
 * A demonstrations file for SFT, in either shape people bring: rein's `{prompt, response}` lines
 * (the world's demos, `rein feedback export --format demos`) or Open Assistant message trees,
 * whose rank-0 assistant replies are the volunteers' best answers.
 */
import { DemoRecord } from './demos.js';
import { firstJsonlValue, readJsonl } from './jsonl.js';
import { oasstDemonstrations, readOasstTrees } from './oasst.js';

export interface DemonstrationFile {
  format: 'demos' | 'oasst';
  demos: DemoRecord[];
}

/** Reads demonstrations (`.jsonl` or `.jsonl.gz`), telling the shape by its first non-blank line. */
export function readDemonstrations(file: string): DemonstrationFile {
  const first = firstJsonlValue(file)?.value;
  if (first !== null && typeof first === 'object' && 'message_tree_id' in first)
    return { format: 'oasst', demos: oasstDemonstrations(readOasstTrees(file)) };
  return { format: 'demos', demos: readJsonl(file, DemoRecord) };
}
