/**
 * `config.json` and `generation_config.json` of a Hugging Face model folder for a rein model: the
 * fields `transformers` reads to build LlamaForCausalLM / Qwen2ForCausalLM / GPT2LMHeadModel (or
 * their ForSequenceClassification variants for a reward or value model), each set from rein's config
 * rather than left to a default — transformers' defaults (Llama's BOS 1 and EOS 2, GPT-2's 50256,
 * GPT-2's dropout) are another model's, not this one's.
 */
import type { ModelConfig } from './config.js';

/** The special ids of the model's tokenizer (null where it has none). */
export interface SpecialIds {
  bos: number | null;
  eos: number | null;
  pad: number | null;
}

export interface HfConfigOptions {
  ids: SpecialIds;
  /** 'lm': a causal language model; 'score': the trunk with a one-output scalar head. */
  head: 'lm' | 'score';
}

/** The `config.json` object. */
export function hfModelConfig(c: ModelConfig, options: HfConfigOptions): Record<string, unknown> {
  const { ids, head } = options;
  const common = {
    vocab_size: c.vocabSize,
    tie_word_embeddings: c.tiedEmbeddings,
    bos_token_id: ids.bos,
    eos_token_id: ids.eos,
    pad_token_id: ids.pad,
    initializer_range: 0.02,
    use_cache: true,
    torch_dtype: 'float32',
  };
  const scoreHead =
    head === 'score'
      ? // one regression output, read at the last non-pad token — rein's reward is read at the last token
        { num_labels: 1, id2label: { 0: 'score' }, label2id: { score: 0 }, problem_type: 'regression' }
      : {};
  if (c.arch === 'llama' && c.qkvBias && !c.bias) {
    // biases on q, k and v alone: Qwen2's layout, which Llama's config cannot state
    return {
      architectures: [head === 'lm' ? 'Qwen2ForCausalLM' : 'Qwen2ForSequenceClassification'],
      model_type: 'qwen2',
      ...llamaShape(c),
      use_sliding_window: false,
      sliding_window: null,
      max_window_layers: c.nLayers,
      ...common,
      ...scoreHead,
    };
  }
  if (c.arch === 'llama') {
    return {
      architectures: [head === 'lm' ? 'LlamaForCausalLM' : 'LlamaForSequenceClassification'],
      model_type: 'llama',
      ...llamaShape(c),
      // biases on every linear layer or on none (q, k and v alone are the Qwen2 branch above)
      attention_bias: c.bias,
      mlp_bias: c.bias,
      pretraining_tp: 1,
      ...common,
      ...scoreHead,
    };
  }
  return {
    architectures: [head === 'lm' ? 'GPT2LMHeadModel' : 'GPT2ForSequenceClassification'],
    model_type: 'gpt2',
    n_positions: c.contextLength,
    n_ctx: c.contextLength,
    n_embd: c.dim,
    n_layer: c.nLayers,
    n_head: c.nHeads,
    n_inner: c.hidden,
    // rein's GELU is the tanh approximation, which is GPT-2's gelu_new
    activation_function: 'gelu_new',
    layer_norm_epsilon: c.normEps,
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
    summary_first_dropout: 0,
    scale_attn_weights: true,
    scale_attn_by_inverse_layer_idx: false,
    reorder_and_upcast_attn: false,
    ...common,
    ...scoreHead,
  };
}

/** The fields Llama's and Qwen2's configs share: the trunk's shape, rotary positions, RMSNorm. */
function llamaShape(c: ModelConfig): Record<string, unknown> {
  return {
    hidden_size: c.dim,
    intermediate_size: c.hidden,
    num_hidden_layers: c.nLayers,
    num_attention_heads: c.nHeads,
    num_key_value_heads: c.nKvHeads,
    head_dim: c.headDim,
    hidden_act: 'silu',
    max_position_embeddings: c.contextLength,
    rms_norm_eps: c.normEps,
    rope_theta: c.ropeTheta,
    rope_scaling: c.ropeScaling && {
      rope_type: 'llama3',
      factor: c.ropeScaling.factor,
      low_freq_factor: c.ropeScaling.lowFreqFactor,
      high_freq_factor: c.ropeScaling.highFreqFactor,
      original_max_position_embeddings: c.ropeScaling.originalContext,
    },
    attention_dropout: 0,
  };
}

/** The `generation_config.json` object: where generation starts, stops and pads. */
export function hfGenerationConfig(ids: SpecialIds): Record<string, unknown> {
  const out: Record<string, unknown> = { _from_model_config: false };
  if (ids.bos !== null) out.bos_token_id = ids.bos;
  if (ids.eos !== null) out.eos_token_id = ids.eos;
  if (ids.pad !== null) out.pad_token_id = ids.pad;
  return out;
}
