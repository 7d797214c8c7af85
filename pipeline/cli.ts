/**
 * The `sgd-noise` command line: run, status, dag, ls, show, export, gc. Inspection commands take `--json` and then
 * print only JSON on stdout; progress and messages go to stderr.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CacheError } from '../cache/errors.ts';
import type { Manifest } from '../cache/manifest.ts';
import { CacheStore, CorruptEntryError } from '../cache/store.ts';
import { ConfigError } from './config.ts';
import { exportCsv, exportJson, describeEntry, formatEntry, resolveTarget } from './inspect.ts';
import { PlanError, buildPlan, selectInstances, matchInstances, type Plan } from './plan.ts';
import { createProgressDisplay, formatDuration, summaryLine } from './progress.ts';
import { CacheSubcommandError, runCacheCommand } from './cache-commands.ts';
import { loadProject, resolveConfig, type Project } from './project.ts';
import { runToCompletion } from './runner.ts';
import { planStatus } from './status.ts';

const DEFAULT_PROJECT = fileURLToPath(new URL('../pipeline.config.ts', import.meta.url));

const USAGE = `usage: sgd-noise <command> [options] [key.path=value ...]

commands:
  run      run the pipeline      [--only ID ...] [--force ID] [--dry-run] [--jobs N] [--keep-going]
  status   fresh or stale (and why) per stage instance; fresh entries are verified  [--quick: existence only]
  dag      the stage graph        [--mermaid]
  ls       cache entries
  show     <stage|instance|key>   metadata, config slice, inputs, output summaries  [--output NAME [--format csv]]
  report   render the report from cached outputs only and print its path   [--open]
  export   <stage|instance|key>   [--output NAME] [--out FILE] [--format json|csv]
  gc       drop entries the current config does not reach, then compact  [--all-profiles] [--dry-run]
           (needs the cache alone: refuses while another sgd-noise process uses it)
  cache verify    check every blob and manifest; exit 1 if anything is bad
  cache recover   copy every entry that verifies into a fresh file and swap it in, keeping the old one aside
                  [--out DIR: write the fresh cache there instead]

options:
  --profile P      config profile (default: the project's default)
  --cache DIR      cache directory (default: $SGD_NOISE_CACHE or .sgd-noise-cache in the project root)
  --project FILE   project module (default: pipeline.config.ts)
  --json           machine-readable output on stdout (inspection commands and run)
  --only/--force take ids, stage ids or globs, repeated or comma-separated.`;

/** Exit codes: 0 success, 1 a stage failed, 2 bad usage or configuration, 128+n killed by signal n. */
export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      profile: { type: 'string' },
      cache: { type: 'string' },
      project: { type: 'string' },
      json: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      force: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean', default: false },
      jobs: { type: 'string' },
      'keep-going': { type: 'boolean', default: false },
      mermaid: { type: 'boolean', default: false },
      output: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      'all-profiles': { type: 'boolean', default: false },
      open: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  let [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }
  // key.path=value is an override; anything else (including instance ids such as dyn[kind=sgd,seed=0]) a target.
  const isOverride = (p: string) => /^[A-Za-z_][\w-]*(\.[\w-]+)*=/.test(p);
  const overrides = rest.filter(isOverride);
  const targets = rest.filter((p) => !isOverride(p));
  const projectModule = path.resolve(values.project ?? DEFAULT_PROJECT);
  const project = await loadProject(projectModule);
  const resolved = resolveConfig(project, values.profile, overrides);
  const plan = buildPlan(project.stages, resolved.config);
  const cacheDir = path.resolve(values.cache ?? process.env.SGD_NOISE_CACHE ?? path.join(project.root, '.sgd-noise-cache'));
  const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  // The cache subcommands read a possibly damaged file in child processes only: this process never opens it.
  if (command === 'cache') {
    if (targets.length !== 1) throw new CacheSubcommandError(targets[0]);
    return runCacheCommand(targets[0]!, cacheDir, { json: values.json, out: values.out, write: out });
  }
  const cache = CacheStore.open(cacheDir);
  const json = (value: unknown) => out(JSON.stringify(value, null, 2));
  // Comma-separated lists, except commas inside [...] (instance ids: stage[kind=sgd,seed=0]).
  const list = (xs: string[] | undefined) => (xs ?? []).flatMap((x) => x.split(/,(?![^[]*\])/)).filter(Boolean);

  switch (command) {
    case 'run': {
      // `run --only a b` parses as --only a plus a bare b: bare words are patterns too.
      const selected = selectInstances(plan, [...list(values.only), ...targets]);
      const force = new Set(list(values.force).flatMap((p) => {
        const m = matchInstances(plan, p);
        if (m.length === 0) throw new PlanError(`--force '${p}' matches no stage instance`);
        return m;
      }));
      if (values['dry-run']) {
        const status = planStatus(plan, cache, resolved.profile).filter((s) => selected.has(s.instance));
        const rows = status.map((s) => ({ ...s, action: force.has(s.instance) ? 'run (forced)' : s.state === 'fresh' ? 'cached' : 'run' }));
        if (values.json) json(rows);
        else for (const r of rows) out(`${r.action.padEnd(12)} ${r.instance}${r.reasons.length ? `  (${r.reasons.join('; ')})` : ''}`);
        return 0;
      }
      const jobs = values.jobs === undefined ? cpus().length : Number(values.jobs);
      if (!Number.isInteger(jobs) || jobs < 1) throw new ConfigError([`--jobs: expected a positive integer, received ${values.jobs}`]);
      const controller = new AbortController();
      let signalExit = 0;
      const onSignal = (sig: NodeJS.Signals) => {
        if (signalExit) process.exit(signalExit); // second signal: leave now
        signalExit = sig === 'SIGINT' ? 130 : 143;
        process.stderr.write(`\n${sig}: cancelling, stopping running stages...\n`);
        controller.abort(new Error(`cancelled by ${sig}`));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const display = createProgressDisplay(process.stderr);
      const summary = await runToCompletion(
        {
          plan,
          cache,
          scope: resolved.profile,
          config: resolved.config,
          selected,
          force,
          jobs,
          keepGoing: values['keep-going'],
          signal: controller.signal,
          projectModule,
          publishRoot: project.root,
          overrides,
        },
        (e) => display.handle(e),
      );
      display.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (values.json) json(summary);
      else if (process.stderr.isTTY) process.stderr.write(`${summaryLine(summary)}\n`);
      if (signalExit) return signalExit;
      return summary.ok ? 0 : 1;
    }
    case 'status': {
      noTargets(command, targets);
      const verified = !values.quick;
      const status = planStatus(plan, cache, resolved.profile, { verify: verified });
      if (values.json) json({ profile: resolved.profile, verified, instances: status });
      else {
        for (const s of status) out(`${s.state === 'fresh' ? 'fresh' : 'STALE'}  ${s.instance}${s.reasons.length ? `\n       ${s.reasons.join('\n       ')}` : ''}`);
        const stale = status.filter((s) => s.state === 'stale').length;
        const how = verified
          ? 'fresh = verified: the manifest proves its key and every blob matches its hash'
          : 'fresh = present, NOT verified (--quick): blobs were not hashed';
        out(`${status.length - stale} fresh, ${stale} stale (profile ${resolved.profile}; ${how})`);
      }
      return 0;
    }
    case 'dag':
      noTargets(command, targets);
      if (values.json) json(dagJson(plan));
      else out(values.mermaid ? dagMermaid(plan) : dagText(plan));
      return 0;
    case 'ls': {
      noTargets(command, targets);
      const current = new Set([...plan.nodes.values()].map((n) => n.key));
      const rows = [...cache.entries()].map(({ key, manifest, error }) => ({
        key,
        instance: manifest?.instance ?? null,
        createdAt: manifest?.createdAt ?? null,
        durationMs: manifest?.durationMs ?? null,
        bytes: manifest ? Object.values(manifest.outputs).reduce((a, o) => a + o.bytes, 0) : null,
        current: current.has(key),
        error: error ?? null,
      }));
      if (values.json) json(rows);
      else {
        for (const r of rows) {
          out(`${r.current ? '*' : ' '} ${r.key.slice(0, 12)}  ${(r.instance ?? `CORRUPT: ${r.error}`).padEnd(40)} ${r.bytes ?? '-'} B  ${r.durationMs === null ? '' : formatDuration(r.durationMs)}  ${r.createdAt ?? ''}`);
        }
        out(`${rows.length} entries (* = reachable from profile ${resolved.profile}); file ${cache.fileBytes()} bytes`);
      }
      return 0;
    }
    case 'report':
      noTargets(command, targets);
      return renderReportFromCache(plan, cache, resolved.profile, resolved.config, overrides, project.root, values.open, values.json);
    case 'show':
    case 'export': {
      // `show X --output NAME` prints that output in full, as `export` does.
      if (command === 'show' && values.output) command = 'export';
      if (targets.length !== 1) throw new UsageError(`${command} takes one target: a stage, an instance id or a key prefix`);
      const found = resolveTarget(targets[0]!, plan, cache);
      if (found.length === 0) throw new UsageError(`'${targets[0]}' matches no stage instance or cache key`);
      if (command === 'export' && found.length > 1) {
        throw new UsageError(`'${targets[0]}' matches ${found.length} entries (${found.map((f) => f.instance).join(', ')}); name one`);
      }
      const described: Record<string, unknown>[] = [];
      for (const { key, instance } of found) {
        let manifest: Manifest | undefined;
        try {
          manifest = cache.getManifest(key);
        } catch (err) {
          if (!(err instanceof CorruptEntryError) || command === 'export') throw err;
          described.push({ instance, key, cached: false, reasons: [`its cache entry is corrupt (${err.reason}); the next run recomputes it`] });
          continue;
        }
        if (!manifest) {
          const st = planStatus(plan, cache, resolved.profile).find((s) => s.instance === instance);
          if (command === 'export') throw new UsageError(`${instance} is not in the cache (${st?.reasons.join('; ') ?? 'not computed'}); run it first`);
          described.push({ instance, key, cached: false, reasons: st?.reasons ?? [] });
          continue;
        }
        if (command === 'show') {
          described.push({ cached: true, ...describeEntry(cache, manifest) });
          continue;
        }
        const format = values.format ?? (values.out?.endsWith('.csv') ? 'csv' : 'json');
        let text: string;
        if (format === 'csv') {
          const names = Object.keys(manifest.outputs);
          const output = values.output ?? (names.length === 1 ? names[0]! : undefined);
          if (!output) throw new UsageError(`CSV needs --output NAME (outputs: ${names.join(', ')})`);
          text = exportCsv(cache, manifest, output);
        } else if (format === 'json') text = `${JSON.stringify(exportJson(cache, manifest, values.output))}\n`;
        else throw new UsageError(`--format: expected json or csv, received ${format}`);
        if (values.out) {
          writeFileSync(values.out, text);
          process.stderr.write(`wrote ${values.out}\n`);
        } else process.stdout.write(text);
      }
      if (command === 'show') {
        if (values.json) json(described.length === 1 ? described[0] : described);
        else for (const d of described) out(d.cached ? formatEntry(d) : `${d.instance}  key ${d.key}\n  not cached: ${(d.reasons as string[]).join('; ')}`);
      }
      return 0;
    }
    case 'gc': {
      noTargets(command, targets);
      const keep = new Set([...plan.nodes.values()].map((n) => n.key));
      if (values['all-profiles']) {
        for (const name of Object.keys(project.profiles)) {
          const p = buildPlan(project.stages, resolveConfig(project, name, []).config);
          for (const n of p.nodes.values()) keep.add(n.key);
        }
      }
      const report = await cache.gc(keep, { dryRun: values['dry-run'] });
      if (values.json) json({ dryRun: values['dry-run'], ...report });
      else {
        const verb = values['dry-run'] ? 'would remove' : 'removed';
        for (const key of report.manifests.removed) out(`${verb} ${key.slice(0, 12)}`);
        out(`${verb} ${report.manifests.removed.length} entries and ${report.blobs.removed} blobs (${report.blobs.bytesRemoved} bytes); kept ${report.manifests.kept} entries; file ${report.fileBytes.before} → ${report.fileBytes.after} bytes`);
      }
      return 0;
    }
    default:
      throw new UsageError(`unknown command '${command}'\n${USAGE}`);
  }
}

/** The stage that `sgd-noise report` renders. */
const REPORT_STAGE = 'report';

/**
 * `sgd-noise report`: runs only the report stage, refusing (exit 1) when any instance it depends on is not cached,
 * so rendering never recomputes an experiment; prints the path of the published index.html.
 */
async function renderReportFromCache(
  plan: Plan,
  cache: CacheStore,
  profile: string,
  config: Record<string, unknown>,
  overrides: string[],
  root: string,
  open: boolean,
  asJson: boolean,
): Promise<number> {
  if (!plan.nodes.has(REPORT_STAGE)) throw new UsageError(`this project has no '${REPORT_STAGE}' stage`);
  const needed = [...selectInstances(plan, [REPORT_STAGE])].filter((id) => id !== REPORT_STAGE);
  const missing = needed.filter((id) => cache.lookup(plan.nodes.get(id)!.key).status !== 'hit');
  if (missing.length > 0) {
    process.stderr.write(
      `the report renders from cached outputs only, and ${missing.length} of the ${needed.length} stage instances it needs are not cached:
` +
        missing.map((id) => `  ${id}
`).join('') +
        `run them first: sgd-noise run --profile ${profile}
`,
    );
    return 1;
  }
  let published: string | undefined;
  const summary = await runToCompletion({ plan, cache, scope: profile, config, selected: new Set([REPORT_STAGE]), jobs: 1, publishRoot: root, overrides }, (e) => {
    if (e.type === 'published' && e.instance === REPORT_STAGE) published = e.file;
    if (e.type === 'failed') process.stderr.write(`FAILED ${e.instance}: ${e.error}
`);
  });
  if (!summary.ok) return 1;
  if (!published) throw new Error(`the '${REPORT_STAGE}' stage published no files`);
  const index = published.endsWith(path.sep) ? path.join(published, 'index.html') : published;
  if (asJson) process.stdout.write(`${JSON.stringify({ index, rendered: summary.ran.includes(REPORT_STAGE) })}
`);
  else process.stdout.write(`${index}
`);
  if (open) {
    const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
    try {
      const child = spawn(opener, [index], { detached: true, stdio: 'ignore' });
      child.on('error', () => process.stderr.write(`cannot start ${opener}; open ${index} in a browser\n`));
      child.unref();
    } catch {
      process.stderr.write(`cannot start ${opener}; open ${index} in a browser\n`);
    }
  }
  return 0;
}

function noTargets(command: string, targets: string[]): void {
  if (targets.length > 0) throw new UsageError(`${command} takes no arguments besides key=value overrides; got ${targets.join(' ')}`);
}

/** A usage error: printed without a stack, exit code 2. */
export class UsageError extends Error {}

function dagJson(plan: Plan) {
  return {
    nodes: plan.order.map((id) => {
      const n = plan.nodes.get(id)!;
      return { instance: id, stage: n.stage.id, key: n.key, reads: n.reads, isolate: Boolean(n.stage.isolate), deps: n.deps };
    }),
    edges: plan.order.flatMap((id) => Object.values(plan.nodes.get(id)!.deps).map((from) => ({ from, to: id }))),
  };
}

function dagText(plan: Plan): string {
  return plan.order
    .map((id) => {
      const n = plan.nodes.get(id)!;
      const deps = [...new Set(Object.values(n.deps))];
      return `${id}${n.stage.isolate ? ' [child]' : ''}\n    ${n.stage.description}\n    reads: ${n.reads.join(', ') || '-'}\n    after: ${deps.join(', ') || '-'}`;
    })
    .join('\n');
}

function dagMermaid(plan: Plan): string {
  const ids = new Map(plan.order.map((id, i) => [id, `n${i}`]));
  const lines = ['graph TD'];
  for (const id of plan.order) lines.push(`  ${ids.get(id)}["${id.replace(/"/g, '#quot;')}"]`);
  for (const id of plan.order) for (const dep of new Set(Object.values(plan.nodes.get(id)!.deps))) lines.push(`  ${ids.get(dep)} --> ${ids.get(id)}`);
  return lines.join('\n');
}

/** Runs `main` and turns known errors into a message and an exit code. */
export async function runCli(argv: string[]): Promise<never> {
  let code: number;
  try {
    code = await main(argv);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PlanError || err instanceof UsageError || err instanceof CacheSubcommandError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`sgd-noise: ${(err as Error).message}\n`);
      code = 2;
    } else if (err instanceof CacheError) {
      process.stderr.write(`sgd-noise: ${err.message}\n`);
      code = 1;
    } else {
      process.stderr.write(`sgd-noise: ${(err as Error).stack ?? String(err)}\n`);
      code = 1;
    }
  }
  process.exit(code);
}
