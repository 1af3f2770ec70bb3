import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The browser scripts under ./client. In the built package they are plain .js files
 * compiled by `npm run build` next to this module; when running from source (tests,
 * development) the .ts source is transpiled on first request with the TypeScript
 * compiler (a dev dependency). Only names made of letters and dashes are served, so a
 * request can never reach outside the folder.
 */
const cache = new Map<string, string>();
const clientDir = new URL('./client/', import.meta.url);

export async function clientScript(name: string): Promise<string | null> {
  if (!/^[a-z][a-z-]*$/.test(name)) return null;
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  const js = fileURLToPath(new URL(`${name}.js`, clientDir));
  const ts = fileURLToPath(new URL(`${name}.ts`, clientDir));
  let code: string;
  if (existsSync(js)) code = readFileSync(js, 'utf8');
  else if (existsSync(ts)) {
    const { default: typescript } = await import('typescript');
    code = typescript.transpileModule(readFileSync(ts, 'utf8'), {
      compilerOptions: { target: typescript.ScriptTarget.ES2022, module: typescript.ModuleKind.ES2022 },
      fileName: `${name}.ts`,
    }).outputText;
  } else return null;
  // Source maps point at files the server does not serve: drop the reference.
  code = code.replace(/^\/\/# sourceMappingURL=.*$/m, '');
  cache.set(name, code);
  return code;
}
