/**
 * Hugging Face's rotary frequencies, written for tests from `transformers`' modelling code rather
 * than from rein's kernels: `inv_freq = 1 / base^(arange(0, D, 2) / D)`, then, for rope_type
 * "llama3", `_compute_llama3_parameters`' three bands (kept, divided by the factor, and the smooth
 * mix between them), read from a config.json's `rope_scaling` by its HF names.
 */
export function hfInvFreq(base: number, D: number, ropeScaling: Record<string, number> | null): number[] {
  const invFreq = Array.from({ length: D / 2 }, (_, j) => 1 / base ** ((2 * j) / D));
  if (ropeScaling === null) return invFreq;
  const factor = ropeScaling.factor;
  const lowFreqFactor = ropeScaling.low_freq_factor;
  const highFreqFactor = ropeScaling.high_freq_factor;
  const oldContextLen = ropeScaling.original_max_position_embeddings;
  const lowFreqWavelen = oldContextLen / lowFreqFactor;
  const highFreqWavelen = oldContextLen / highFreqFactor;
  return invFreq.map((freq) => {
    const wavelen = (2 * Math.PI) / freq;
    // wavelen < high_freq_wavelen: unchanged; wavelen > low_freq_wavelen: freq / factor
    const scaled = wavelen > lowFreqWavelen ? freq / factor : freq;
    const smoothFactor = (oldContextLen / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
    const smoothed = (1 - smoothFactor) * (scaled / factor) + smoothFactor * scaled;
    const isMedium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
    return isMedium ? smoothed : scaled;
  });
}
