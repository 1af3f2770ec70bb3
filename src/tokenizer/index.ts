export { BpeTokenizer, REIN_SPECIAL_TOKENS } from './bpe.js';
export {
  type ChatEncoding,
  type ChatStyle,
  chatResponseText,
  chatStopIds,
  chatStyle,
  encodeChat,
} from './chat-template.js';
export { chatTemplateJinja } from './chat-template-jinja.js';
export { HfTokenizer } from './hf.js';
export { reinBpeToHfTokenizerJson } from './hf-bpe-export.js';
export { type HfTokenizerExportOptions, hfTokenizerFiles, TokenizerExportError } from './hf-export.js';
export { Llama2cTokenizer } from './llama2c.js';
export { loadTokenizer } from './load.js';
export { sharedDataDir, sharedFile } from './shared-data.js';
export {
  checkId,
  type DecodeOptions,
  decodeContinuation,
  type Tokenizer,
  type TokenizerFile,
  type TokenizerKind,
} from './tokenizer.js';
