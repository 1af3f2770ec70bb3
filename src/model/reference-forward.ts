import { ropeFrequency } from '../kernels/rope-frequencies.js';
import type { ModelConfig } from './config.js';
import type { NamedArray } from './safetensors.js';

/**
 * The transformer written as plain loops in float64, one sequence at a time, no engine at all.
 * It is the specification the fast paths are tested against (and a loader check that does not
 * depend on the tensor layer): it returns the logits (T, V) of `ids` as nested arrays.
 */
export function referenceLogits(c: ModelConfig, w: Map<string, NamedArray>, ids: number[]): number[][] {
  const W = (name: string) => {
    const t = w.get(name);
    if (!t) throw new Error(`referenceLogits: weight '${name}' missing`);
    return t.data;
  };
  const has = (name: string) => w.has(name);
  const C = c.dim;
  const D = c.headDim;
  const T = ids.length;
  const group = c.nHeads / c.nKvHeads;

  // y (out) = W (out, in) · x (+ b)
  const linear = (x: number[], name: string, out: number): number[] => {
    const wt = W(`${name}.weight`);
    const n = x.length;
    const y = new Array<number>(out).fill(0);
    for (let o = 0; o < out; o++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += wt[o * n + i] * x[i];
      y[o] = s + (has(`${name}.bias`) ? W(`${name}.bias`)[o] : 0);
    }
    return y;
  };
  const norm = (x: number[], name: string): number[] => {
    const g = W(`${name}.weight`);
    if (c.arch === 'llama') {
      const ms = x.reduce((s, v) => s + v * v, 0) / x.length;
      const r = 1 / Math.sqrt(ms + c.normEps);
      return x.map((v, i) => v * r * g[i]);
    }
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
    const r = 1 / Math.sqrt(variance + c.normEps);
    const b = has(`${name}.bias`) ? W(`${name}.bias`) : null;
    return x.map((v, i) => (v - mean) * r * g[i] + (b ? b[i] : 0));
  };
  const rope = (v: number[], heads: number, pos: number) => {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < D / 2; i++) {
        const a = pos * ropeFrequency(c.ropeTheta, D, i, c.ropeScaling);
        const x0 = v[h * D + 2 * i];
        const x1 = v[h * D + 2 * i + 1];
        v[h * D + 2 * i] = x0 * Math.cos(a) - x1 * Math.sin(a);
        v[h * D + 2 * i + 1] = x0 * Math.sin(a) + x1 * Math.cos(a);
      }
    }
  };
  const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
  const silu = (x: number) => x / (1 + Math.exp(-x));

  const emb = W('tok_emb');
  let xs: number[][] = ids.map((id, t) => {
    const row = Array.from(emb.subarray(id * C, (id + 1) * C));
    if (c.arch === 'gpt') {
      const pe = W('pos_emb');
      for (let i = 0; i < C; i++) row[i] += pe[t * C + i];
    }
    return row;
  });
  for (let l = 0; l < c.nLayers; l++) {
    const p = `layers.${l}`;
    const qs: number[][] = [];
    const ks: number[][] = [];
    const vs: number[][] = [];
    for (let t = 0; t < T; t++) {
      const h = norm(xs[t], `${p}.norm1`);
      const q = linear(h, `${p}.attn.q`, C);
      const k = linear(h, `${p}.attn.k`, c.nKvHeads * D);
      if (c.arch === 'llama') {
        rope(q, c.nHeads, t);
        rope(k, c.nKvHeads, t);
      }
      qs.push(q);
      ks.push(k);
      vs.push(linear(h, `${p}.attn.v`, c.nKvHeads * D));
    }
    const next: number[][] = [];
    for (let t = 0; t < T; t++) {
      const y = new Array<number>(C).fill(0);
      for (let h = 0; h < c.nHeads; h++) {
        const kh = Math.floor(h / group);
        const scores: number[] = [];
        for (let j = 0; j <= t; j++) {
          let s = 0;
          for (let d = 0; d < D; d++) s += qs[t][h * D + d] * ks[j][kh * D + d];
          scores.push(s / Math.sqrt(D));
        }
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j <= t; j++)
          for (let d = 0; d < D; d++) y[h * D + d] += (e[j] / z) * vs[j][kh * D + d];
      }
      const o = linear(y, `${p}.attn.o`, C);
      const x = xs[t].map((v, i) => v + o[i]);
      const h2 = norm(x, `${p}.norm2`);
      let mlp: number[];
      if (c.arch === 'gpt') {
        mlp = linear(linear(h2, `${p}.mlp.fc`, c.hidden).map(gelu), `${p}.mlp.proj`, C);
      } else {
        const g = linear(h2, `${p}.mlp.gate`, c.hidden);
        const u = linear(h2, `${p}.mlp.up`, c.hidden);
        mlp = linear(
          g.map((v, i) => silu(v) * u[i]),
          `${p}.mlp.down`,
          C,
        );
      }
      next.push(x.map((v, i) => v + mlp[i]));
    }
    xs = next;
  }
  const head = c.tiedEmbeddings ? emb : W('lm_head.weight');
  return xs.map((x) => {
    const h = norm(x, 'norm');
    const out: number[] = [];
    for (let v = 0; v < c.vocabSize; v++) {
      let s = 0;
      for (let i = 0; i < C; i++) s += head[v * C + i] * h[i];
      out.push(s);
    }
    return out;
  });
}
