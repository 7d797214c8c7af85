import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { PARENT_CHECK_INTERVAL_MS, signalWithCheck, watchParent } from './parent-watch.ts';

test('a changed parent pid is reported once, through check() and through the signal polls', async (t) => {
  let ppid = 100;
  let orphaned = 0;
  const watch = watchParent(
    () => orphaned++,
    () => ppid,
  );
  t.teardown(() => watch.stop());
  const signal = signalWithCheck(new AbortController().signal, watch.check);
  t.false(signal.aborted);
  t.is(orphaned, 0);
  ppid = 1; // re-parented to init: the runner died
  await sleep(PARENT_CHECK_INTERVAL_MS + 50);
  signal.throwIfAborted();
  t.is(orphaned, 1);
  await sleep(PARENT_CHECK_INTERVAL_MS + 50);
  watch.check();
  t.is(orphaned, 1, 'reported once');
});
