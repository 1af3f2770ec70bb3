import { commands } from './commands.js';
import { CliError } from './errors.js';

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: rein <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'rein <command> --help shows its options.',
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return;
  }
  const entry = commands[name];
  if (!entry) throw new CliError(`unknown command '${name}'\n\n${usage()}`);
  const mod = await entry.load();
  await mod.run(rest);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof CliError) {
    console.error(`rein: ${err.message}`);
    process.exit(err.exitCode);
  }
  console.error(err);
  process.exit(1);
});
