/** optim: AdamW, gradient clipping, schedules. */
export { AdamW, type AdamWOptions, type AdamWState } from './adamw.js';
export { clipGradNorm } from './clip.js';
export { type WarmupCosineOptions, warmupCosine } from './schedule.js';
