/**
 * The engine's own operation in estimates: `engine.child`, the start of the child process an `isolate` instance runs
 * in (Node with tsx, then the project module loaded, as `worker.ts` does), in CPU milliseconds of that child.
 */
import { pathToFileURL } from 'node:url';
import { EXIT_WITH_PARENT_OPTIONS } from '../cache/orphan-guard.ts';

/** The operation every isolated instance counts once. */
export const CHILD_START_OP = 'engine.child';

const TSX = import.meta.resolve('tsx');

/** CPU milliseconds a fresh child spends starting and loading `projectModule`; errors name the module. */
export async function measureChildStartMs(projectModule: string): Promise<number> {
  const script = [
    `await import(${JSON.stringify(pathToFileURL(projectModule).href)});`,
    'const u = process.cpuUsage();',
    'process.stdout.write(String((u.user + u.system) / 1000));',
  ].join(' ');
  // execa is loaded on first use: it is about a hundred modules (measured: 106 of the 267 a `dag` loaded), and
  // most commands start no child, so every command starts faster.
  const { execaNode } = await import('execa');
  const r = await execaNode('--input-type=module', ['-e', script], { nodeOptions: [...EXIT_WITH_PARENT_OPTIONS, '--import', TSX], reject: false });
  const ms = Number(r.stdout.trim().split('\n').at(-1));
  if (r.exitCode !== 0 || !Number.isFinite(ms))
    throw new Error(`starting a child that loads ${projectModule} failed (exit ${r.exitCode}): ${r.stderr.trim().split('\n').at(-1) ?? ''}`);
  return ms;
}
