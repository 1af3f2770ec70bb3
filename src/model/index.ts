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
export { type ExportReport, exportHfFolder, type HfExportOptions, specialIdsOf } from './hf-export.js';
export {
  type HfConfigOptions,
  hfGenerationConfig,
  hfModelConfig,
  type SpecialIds,
} from './hf-export-config.js';
export { hfWeights } from './hf-export-weights.js';
export { readHfFolder } from './hf-folder.js';
export { encodeLlama2cCheckpoint, type LoadedWeights, readLlama2cCheckpoint } from './llama2c-checkpoint.js';
export { exportLlama2c, type Llama2cExportOptions, llama2cIncompatibility } from './llama2c-export.js';
export {
  attachLora,
  detachLora,
  LORA_TARGETS,
  type LoraAdapter,
  LoraAdapters,
  type LoraOptions,
  loraProjections,
  mergeLora,
} from './lora.js';
export { readAdapterFiles, writeAdapterFiles } from './lora-files.js';
export { encodeSafetensors, type NamedArray, readSafetensors, writeSafetensors } from './safetensors.js';
export { pickToken, rowProbabilities, type SamplerOptions, SamplerScratch } from './sampler.js';
export { type ForwardOptions, responseLogProbs, type TokenBatch, Transformer } from './transformer.js';
