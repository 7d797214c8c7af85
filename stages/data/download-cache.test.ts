/**
 * The Fashion-MNIST download cache (~/.cache/sgd-noise) holds a FIFO or a link to /dev/zero where a file belongs: the
 * lookup names it and removes it instead of blocking for ever or reading /dev/zero until memory runs out.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FASHION_FILES, locateFashionMnist } from './fashion-mnist.ts';
import { sha256Of, writeTinyFashion } from './testing.ts';

for (const kind of ['a FIFO', 'a link to /dev/zero'] as const) {
  test(`${kind} in the download cache is named and removed, not read`, async (t) => {
    const root = mkdtempSync(path.join(tmpdir(), 'sgdn-dlcache-'));
    t.teardown(() => rmSync(root, { recursive: true, force: true }));
    const cache = path.join(root, 'cache');
    const sha256 = sha256Of(writeTinyFashion(cache));
    const bad = path.join(cache, FASHION_FILES.trainImages);
    rmSync(bad);
    if (kind === 'a FIFO') execFileSync('mkfifo', [bad]);
    else symlinkSync('/dev/zero', bad);
    const err = await t.throwsAsync(locateFashionMnist({ debianDir: path.join(root, 'absent'), downloadDir: cache, download: false, sha256 }));
    const what = kind === 'a FIFO' ? 'is a FIFO (named pipe)' : 'is a symbolic link (to /dev/zero)';
    t.true(err!.message.includes(`download cache (${cache}): ${bad} ${what}, expected a regular file`), err!.message);
    t.throws(() => lstatSync(bad), { code: 'ENOENT' }, 'removed');
  });
}
