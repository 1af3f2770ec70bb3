/**
 * The rotation speed of each interleaved pair of rotary embedding: θ^(−2i/D), or, with Llama 3's
 * frequency scaling (Llama 3.1 and 3.2), that speed slowed for the pairs whose wavelength exceeds
 * what the model was first trained on. Meta's rule, as `transformers` applies it for rope_type
 * "llama3": a pair whose wavelength 2π/f is shorter than originalContext / highFreqFactor keeps f;
 * one longer than originalContext / lowFreqFactor turns `factor` times slower; between the two, f
 * moves smoothly from one to the other. The native kernel computes the same (c/rope.c).
 */

/** Llama 3's rope_scaling ("rope_type": "llama3"). */
export interface RopeScaling {
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  /** The context length the model was pretrained at (original_max_position_embeddings). */
  originalContext: number;
}

/** Pair i's angle per position, in double precision. */
export function ropeFrequency(theta: number, D: number, i: number, scaling: RopeScaling | null): number {
  const f = theta ** ((-2 * i) / D);
  if (scaling === null) return f;
  const { factor, lowFreqFactor, highFreqFactor, originalContext } = scaling;
  const wavelength = (2 * Math.PI) / f;
  if (wavelength < originalContext / highFreqFactor) return f;
  if (wavelength > originalContext / lowFreqFactor) return f / factor;
  const smooth = (originalContext / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
  return (1 - smooth) * (f / factor) + smooth * f;
}
