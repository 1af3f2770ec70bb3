#!/usr/bin/env node
// The `rein` command: runs the compiled CLI (npm install builds it into dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  console.error('rein: dist/ is missing — run `npm install` (or `npm run build`) in the rein folder first.');
  process.exit(1);
}
await import(main);
