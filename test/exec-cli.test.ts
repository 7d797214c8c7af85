/**
 * `sgd-noise exec`, what a cluster job runs, without a cluster: a key that the node rebuilds differently is refused,
 * inputs missing from the remote are named, and a good run pulls its inputs, computes, pushes, and leaves no
 * node-local cache behind; the outcome is the last protocol line of its stdout.
 */
import test from 'ava';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execaNode } from 'execa';
import { remoteLookup, openRemote } from '../cache/remote.ts';
import { parseJobLine } from '../pipeline/job-protocol.ts';
import { BIN, TOY, workspace } from './fixtures/cli-workspace.ts';

const remoteDir = () => mkdtempSync(path.join(tmpdir(), 'sgdn-exec-remote-'));
const lastLine = (stdout: string) => parseJobLine(stdout.trim().split('\n').pop() ?? '');

async function keyOf(instance: string): Promise<string> {
  const w = workspace();
  const dag = await w.cli(['dag', '--json']);
  return (JSON.parse(dag.stdout) as { nodes: { instance: string; key: string }[] }).nodes.find((n) => n.instance === instance)!.key;
}

test('exec refuses a key the node rebuilds differently, naming both', async (t) => {
  const w = workspace();
  const nodeCache = mkdtempSync(path.join(tmpdir(), 'sgdn-exec-node-'));
  const wrong = 'ab'.repeat(32);
  const r = await execaNode(BIN, ['exec', 'slow', '--key', wrong, '--remote', remoteDir(), '--node-cache', nodeCache, '--project', TOY], {
    env: w.env,
    reject: false,
  });
  t.is(r.exitCode, 1);
  const last = lastLine(r.stdout);
  t.is(last?.type, 'error');
  t.regex((last as { message: string }).message, new RegExp(`^slow: the key rebuilt on this node \\([0-9a-f]{64}\\) is not the coordinator's \\(${wrong}\\)`));
  t.deepEqual(readdirSync(nodeCache), [], 'no node-local cache left behind');
});

test('exec names the inputs the remote lacks; with them there, it computes, pushes and cleans up', async (t) => {
  const remote = remoteDir();
  const nodeCache = mkdtempSync(path.join(tmpdir(), 'sgdn-exec-node-'));
  const key = await keyOf('slow');
  const w = workspace();
  const exec = () =>
    execaNode(BIN, ['exec', 'slow', '--key', key, '--remote', remote, '--node-cache', nodeCache, '--project', TOY], { env: w.env, reject: false });
  const missing = await exec();
  t.is(missing.exitCode, 1);
  t.regex((lastLine(missing.stdout) as { message: string }).message, /^slow: cannot get its inputs from the remote .*: missing src \(source, [0-9a-f]{12}\)$/);
  t.is((await w.cli(['run', 'source', '--remote', remote])).exitCode, 0);
  const ok = await exec();
  t.is(ok.exitCode, 0, ok.stdout + ok.stderr);
  t.like(lastLine(ok.stdout), { type: 'done', key, pushed: true });
  t.regex(ok.stdout, /^@sgd-noise \{"type":"progress","done":5,"total":5/m);
  const finalProgress = ok.stdout
    .split('\n')
    .map(parseJobLine)
    .findLast((l) => l?.type === 'progress');
  t.deepEqual(finalProgress?.type === 'progress' ? finalProgress.metrics : undefined, [
    { name: 'step', label: 'step', value: 5 },
    { name: 'fraction', label: 'done', value: 1, format: 'percent' },
  ]);
  t.is(await remoteLookup(await openRemote(remote), key), 'present');
  t.deepEqual(readdirSync(nodeCache), []);
  t.deepEqual(w.executed(), ['source', 'slow']);
});
