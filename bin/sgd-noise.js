#!/usr/bin/env node
// Entry point of the `sgd-noise` command: checks the open-files limit, then loads the TypeScript sources through tsx
// and runs the CLI. Nothing else is imported before the check (module loading is what a low limit breaks first).
import { lowOpenFilesLine } from './open-files.js';

const low = lowOpenFilesLine();
if (low !== undefined) {
  process.stderr.write(`${low}\n`);
  process.exit(1);
}
process.env.SGD_NOISE_SPAWNER_PID = String(process.pid); // children's exit-with-parent watch (cache/exit-with-parent.js)
const { register } = await import('tsx/esm/api');
register();
const { runCli } = await import('../pipeline/cli.ts');
await runCli(process.argv.slice(2));
