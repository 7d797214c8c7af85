#!/usr/bin/env node
// Entry point of the `sgd-noise` command: loads the TypeScript sources through tsx and runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../pipeline/cli.ts');
await runCli(process.argv.slice(2));
