/**
 * Real `sgd-noise` processes against a remote holding a FIFO or a link to /dev/zero where a blob belongs: `cache pull`
 * names it and ends; `run --remote` computes that entry instead and, cancelled with SIGTERM (once, or twice), ends
 * promptly with a one-line message. The old reader blocked on the FIFO for ever (even `process.exit` waited for it)
 * and read /dev/zero until memory ran out.
 */
import test, { type ExecutionContext } from 'ava';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive, waitFor, workspace } from './fixtures/cli-workspace.ts';

const STACK = /\n\s+at /;
/** The slow stage takes 30 s here (and its key differs from the pushed one), so a run is still going when signalled. */
const SLOW = ['slow.ms=100', 'slow.steps=300'];

/** A remote with the toy project's entries (pushed by a run) and the path of `fan[kind=a]`'s blob. */
async function filledRemote(t: ExecutionContext) {
  const remote = mkdtempSync(path.join(tmpdir(), 'sgdn-untrusted-cli-'));
  const a = workspace();
  t.teardown(() => {
    rmSync(remote, { recursive: true, force: true });
    rmSync(a.dir, { recursive: true, force: true });
  });
  t.is((await a.cli(['run', '--remote', remote])).exitCode, 0);
  const status = JSON.parse((await a.cli(['cache', 'status', '--remote', remote, '--json'])).stdout) as { instances: { instance: string; key: string }[] };
  const key = status.instances.find((r) => r.instance === 'fan[kind=a]')!.key;
  const manifest = JSON.parse(readFileSync(path.join(remote, 'manifests', `${key}.json`), 'utf8')).manifest as { outputs: Record<string, { blob: string }> };
  const hash = Object.values(manifest.outputs)[0]!.blob;
  return { remote, blob: path.join(remote, 'blobs', hash.slice(0, 2), hash) };
}

/** Replaces `file` by a FIFO; on teardown a writer opens and closes it, so that a reader still blocked on it ends. */
function fifoAt(t: ExecutionContext, file: string): void {
  rmSync(file);
  execFileSync('mkfifo', [file]);
  t.teardown(() => {
    try {
      closeSync(openSync(file, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // no reader
    }
  });
}

test('cache pull from a remote whose blob links to /dev/zero names the link, pulls the rest and exits 1', async (t) => {
  const { remote, blob } = await filledRemote(t);
  rmSync(blob);
  symlinkSync('/dev/zero', blob);
  const b = workspace();
  t.teardown(() => rmSync(b.dir, { recursive: true, force: true }));
  const pull = await b.cli(['cache', 'pull', '--remote', remote]).catch((err: unknown) => err as never);
  const r = await Promise.race([pull, sleep(20_000).then(() => undefined)]);
  if (r === undefined) return void t.fail('cache pull did not end within 20 s');
  t.is(r.exitCode, 1, r.stderr);
  t.true(r.stdout.includes(`${blob} is a symbolic link (to /dev/zero), expected a regular file`), r.stdout);
  t.regex(r.stdout, /8 entries downloaded .* 1 corrupt, 0 divergent$/m);
});

for (const signals of [1, 2]) {
  test.serial(
    `run --remote with a FIFO blob computes that entry instead, and ${signals === 1 ? 'SIGTERM ends it (exit 143)' : 'a second SIGTERM ends it at once'}`,
    async (t) => {
      const { remote, blob } = await filledRemote(t);
      fifoAt(t, blob);
      const b = workspace();
      t.teardown(() => rmSync(b.dir, { recursive: true, force: true }));
      const run = b.cli(['run', '--remote', remote, ...SLOW]);
      let stderr = '';
      run.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      t.teardown(() => {
        if (run.pid !== undefined && alive(run.pid)) run.kill('SIGKILL');
      });
      try {
        await waitFor(
          () => stderr.includes('is a FIFO (named pipe), expected a regular file') && existsSync(b.env.TOY_PID_FILE),
          'the FIFO to be named and the slow stage to start',
          20_000,
        );
      } catch (err) {
        t.fail(`${(err as Error).message}; stderr so far:\n${stderr}`);
      }
      run.kill('SIGTERM');
      if (signals === 2) {
        await waitFor(() => stderr.includes('SIGTERM: cancelling') || !alive(run.pid!), 'the first SIGTERM to be handled', 10_000).catch(() => undefined);
        run.kill('SIGTERM');
      }
      const ended = await Promise.race([run.catch((err: unknown) => err as never), sleep(15_000).then(() => undefined)]);
      if (ended === undefined) return void t.fail(`run --remote did not end within 15 s of SIGTERM; stderr:\n${stderr}`);
      t.regex(stderr, /^SIGTERM: cancelling, stopping running stages\.\.\.$/m);
      t.notRegex(stderr, STACK);
      if (signals === 1) t.is(ended.exitCode, 143, stderr);
      // The second signal ends the process by SIGTERM's default action, unless the first had ended it already.
      else {
        t.true(ended.signal === 'SIGTERM' || ended.exitCode === 143, `exit ${ended.exitCode}, signal ${ended.signal}`);
        t.log(stderr.includes('SIGTERM again: exiting now') ? 'the second SIGTERM ended the run' : 'the first SIGTERM had ended the run already');
      }
      t.true(b.executed().includes('fan[kind=a]'), 'the entry behind the FIFO was computed here');
      const pid = Number(readFileSync(b.env.TOY_PID_FILE, 'utf8'));
      await waitFor(() => !alive(pid), 'the worker to exit', 10_000);
    },
  );
}
