/**
 * Files from a Debian package fetched from the archive without root: `apt-get update` into a private state
 * directory, `apt-get download` (apt checks the .deb against the archive's signed index), `dpkg-deb -x`. The caller
 * verifies the files it takes and moves them into place; everything here happens in a scratch directory.
 */
import { mkdirSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describeFailure, runCommand, type CommandRunner } from './command.ts';

/** How to fetch one package's files. */
export interface DebianFetchOptions {
  /** The binary package, e.g. `dataset-fashion-mnist`. */
  package: string;
  /** The files wanted, name → path inside the package (`usr/share/datasets/…`). */
  members: Record<string, string>;
  /** An empty scratch directory this call may fill (lists, the .deb, the unpacked tree); the caller removes it. */
  workDir: string;
  /** Runs apt-get, apt-cache and dpkg-deb (default: the real commands). */
  run?: CommandRunner;
  signal?: AbortSignal;
  /** One line before the download starts (package, version, size). */
  log?: (line: string) => void;
  /** Download progress in bytes. */
  progress?: (done: number, total: number, note?: string) => void;
  /** Whether this process runs as root (apt then keeps its download sandbox user off the scratch directory). */
  isRoot?: boolean;
}

/** A source that could not deliver, with a one-line reason. */
export class SourceUnavailable extends Error {}

/** Size and version of a package as the archive's lists give them. */
export interface PackageFacts {
  version: string;
  size: number;
}

/** Fetches the package and returns, per wanted name, the path of the unpacked (not yet verified) file. */
export async function fetchDebianPackageFiles(o: DebianFetchOptions): Promise<Record<string, string>> {
  const run = o.run ?? runCommand;
  const lists = path.join(o.workDir, 'lists');
  const cache = path.join(o.workDir, 'cache');
  mkdirSync(path.join(lists, 'partial'), { recursive: true });
  mkdirSync(path.join(cache, 'archives', 'partial'), { recursive: true });
  const aptOptions = ['-o', `Dir::State::Lists=${lists}`, '-o', `Dir::Cache=${cache}`, '-o', 'Debug::NoLocking=1'];
  if (o.isRoot ?? process.getuid?.() === 0) aptOptions.push('-o', 'APT::Sandbox::User=root');
  const cwd = o.workDir;

  const update = await run('apt-get', [...aptOptions, '-qq', 'update'], { cwd, signal: o.signal });
  if (update.startError || update.exitCode !== 0) throw new SourceUnavailable(describeFailure('apt-get update', update));
  const facts = await packageFacts(run, aptOptions, o.package, cwd, o.signal);

  const mb = (facts.size / 1e6).toFixed(1);
  o.log?.(`fetching ${o.package} ${facts.version} (${mb} MB) from the Debian archive`);
  const download = await run('apt-get', [...aptOptions, '-o', 'APT::Status-Fd=1', 'download', o.package], {
    cwd,
    signal: o.signal,
    onStdoutLine: (line) => {
      const m = /^dlstatus:\d+:([\d.]+):/.exec(line);
      if (m) o.progress?.(Math.round((Number(m[1]) / 100) * facts.size), facts.size, `${o.package} (bytes)`);
    },
  });
  if (download.startError || download.exitCode !== 0) throw new SourceUnavailable(describeFailure(`apt-get download ${o.package}`, download));
  const deb = readdirSync(cwd).find((f) => f.startsWith(`${o.package}_`) && f.endsWith('.deb'));
  if (!deb) throw new SourceUnavailable(`apt-get download ${o.package} exited with 0 but left no ${o.package}_*.deb in ${cwd}`);

  const tree = path.join(o.workDir, 'unpacked');
  const unpack = await run('dpkg-deb', ['-x', deb, tree], { cwd, signal: o.signal });
  if (unpack.startError || unpack.exitCode !== 0) throw new SourceUnavailable(describeFailure(`dpkg-deb -x ${deb}`, unpack));
  const files: Record<string, string> = {};
  for (const [name, member] of Object.entries(o.members)) {
    const file = path.join(tree, member);
    if (!existsSync(file)) throw new SourceUnavailable(`${deb} has no ${member}`);
    files[name] = file;
  }
  return files;
}

/** Version and download size of `pkg` from `apt-cache show` over the private lists. */
async function packageFacts(run: CommandRunner, aptOptions: string[], pkg: string, cwd: string, signal?: AbortSignal): Promise<PackageFacts> {
  const show = await run('apt-cache', [...aptOptions, 'show', pkg], { cwd, signal });
  if (show.startError || show.exitCode !== 0) throw new SourceUnavailable(describeFailure(`apt-cache show ${pkg}`, show));
  const first = show.stdout.split(/\n\n/)[0] ?? '';
  const field = (name: string) => new RegExp(`^${name}: (.+)$`, 'm').exec(first)?.[1]?.trim();
  const size = Number(field('Size'));
  const version = field('Version');
  if (!version || !Number.isFinite(size)) throw new SourceUnavailable(`apt-cache show ${pkg} gave no Version/Size`);
  return { version, size };
}
