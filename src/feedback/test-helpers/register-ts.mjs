// `node --import <this file> src/cli/main.ts …` runs rein from source (see ts-hooks.mjs).
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
