// Module hooks that let a plain `node` child process run rein's TypeScript sources
// (tests spawn `rein serve` from src/, where no compiled .js exists): `./x.js` imports
// fall back to `./x.ts`, and .ts files are transpiled with the TypeScript compiler.
import { readFile } from 'node:fs/promises';
import ts from 'typescript';

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' && /^\.{1,2}\//.test(specifier) && specifier.endsWith('.js')) {
      return next(specifier.replace(/\.js$/, '.ts'), context);
    }
    throw err;
  }
}

export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const source = await readFile(new URL(url), 'utf8');
  const out = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, esModuleInterop: true },
    fileName: url,
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
