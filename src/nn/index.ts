/** nn: modules with named parameters and the basic layers. */
export { Dropout, Embedding, LayerNorm, Linear, type LinearOptions, RMSNorm } from './layers.js';
export { Module, ModuleList, type StateDict } from './module.js';
