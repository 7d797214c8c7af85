/**
 * Child-process entry of `cache verify` / `cache recover`: reads every blob and manifest of a possibly damaged cache
 * and reports each on stdout (see salvage-protocol.ts); with a target, copies every entry that verifies into it. It
 * maps the damaged file, so it may die of SIGBUS or SIGSEGV: that is why it is a child, and why it says `begin`
 * before touching each item.
 */
import { CacheStore } from './store.ts';
import type { SalvageJob, SalvageMessage } from './salvage-protocol.ts';

/** Test hook: a key (prefix) whose reading is made to kill the reader with SIGSEGV, as a damaged page would. */
const CRASH_ON = process.env.SGD_NOISE_TEST_SALVAGE_CRASH;

const say = (message: SalvageMessage) => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
  if (message.type === 'begin' && CRASH_ON && message.key.startsWith(CRASH_ON)) process.kill(process.pid, 'SIGSEGV');
};

async function main(job: SalvageJob): Promise<void> {
  let source: CacheStore;
  try {
    source = CacheStore.open(job.sourceDir, { checkFile: false, lock: false });
  } catch (err) {
    say({ type: 'fatal', message: `LMDB cannot open the file: ${(err as Error).message}` });
    return;
  }
  const target = job.targetDir ? CacheStore.open(job.targetDir, { lock: false }) : undefined;
  say({ type: 'opened' });
  if (!job.resume) for (const counts of source.tableCounts()) say({ type: 'table', ...counts });
  const unreadable = new Set(job.unreadableBlobs);
  if (!job.resume || job.resume.pass === 'blobs') {
    for (const key of source.blobKeys(job.resume?.after)) {
      say({ type: 'begin', pass: 'blobs', key });
      say({ type: 'blob', key, state: source.blobState(key) });
    }
  }
  const after = job.resume?.pass === 'manifests' ? job.resume.after : undefined;
  for (const key of source.manifestKeys(after)) {
    say({ type: 'begin', pass: 'manifests', key });
    const found = source.lookup(key, { unreadableBlobs: unreadable });
    if (found.status === 'hit') {
      let copied: boolean | undefined;
      if (target) {
        await source.copyEntryTo(target, found.manifest);
        copied = true;
      }
      say({ type: 'entry', key, instance: found.manifest.instance, ok: true, copied });
    } else {
      say({ type: 'entry', key, instance: null, ok: false, problem: found.status === 'miss' ? 'listed but unreadable' : found.reason });
    }
  }
  if (target) say({ type: 'fingerprints', copied: await source.copyFingerprintsTo(target) });
  await target?.close();
  say({ type: 'done' });
}

main(JSON.parse(process.argv[2]!) as SalvageJob).then(
  () => process.exit(0),
  (err: unknown) => {
    say({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  },
);
