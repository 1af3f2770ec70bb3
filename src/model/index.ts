export { type LoadedModel, loadModel, type ModelFormat, saveCheckpoint } from './checkpoint.js';
export {
  configToJson,
  type ModelConfig,
  type ModelConfigInput,
  ModelConfigSchema,
  parameterShapes,
  resolveModelConfig,
} from './config.js';
export { Decoder } from './decoder.js';
export { type GenerateOptions, type Generation, generate } from './generate.js';
export { readHfFolder } from './hf-folder.js';
export { encodeLlama2cCheckpoint, type LoadedWeights, readLlama2cCheckpoint } from './llama2c-checkpoint.js';
export { encodeSafetensors, type NamedArray, readSafetensors, writeSafetensors } from './safetensors.js';
export { pickToken, rowProbabilities, type SamplerOptions, SamplerScratch } from './sampler.js';
export { type ForwardOptions, responseLogProbs, type TokenBatch, Transformer } from './transformer.js';
