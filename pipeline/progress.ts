/**
 * Shows a run's events: to a person, on a TTY a live bar per running stage (iteration / total, rate, ETA, the stage's
 * latest metrics); otherwise (CI, pipes) one plain line per event, with progress lines thinned to every 10% so logs
 * stay readable. To a program (`run --progress json`), one JSON event per line.
 */
import cliProgress from 'cli-progress';
import { UsageError } from './errors.ts';
import type { ProgressMetric, RunEvent, RunSummary } from './events.ts';

/** Consumes run events and draws them. */
export interface ProgressDisplay {
  handle(event: RunEvent): void;
  stop(): void;
}

/** How `run` shows its events (`--progress`): `auto` bars on a TTY and plain lines otherwise, `plain` lines, `json` events. */
export type ProgressMode = 'auto' | 'plain' | 'json';

/** The modes `--progress` takes. */
export const PROGRESS_MODES: readonly ProgressMode[] = ['auto', 'plain', 'json'];

/** `--progress MODE` (default `auto`), or a usage error naming the option and the modes. */
export function parseProgressMode(text: string | undefined): ProgressMode {
  if (text === undefined) return 'auto';
  if ((PROGRESS_MODES as readonly string[]).includes(text)) return text as ProgressMode;
  throw new UsageError(`--progress: expected one of ${PROGRESS_MODES.join(', ')}, received '${text}'`);
}

/** A display writing to `stream`: under `auto` live bars when it is a TTY, plain lines otherwise. */
export function createProgressDisplay(stream: NodeJS.WriteStream = process.stderr, mode: ProgressMode = 'auto'): ProgressDisplay {
  if (mode === 'json') return new JsonDisplay(stream);
  return mode === 'auto' && stream.isTTY ? new LiveDisplay(stream) : new PlainDisplay(stream);
}

/** One metric's value: a percentage with one decimal, else 3 significant digits (exponent below 0.001 and from 10⁴). */
export function formatMetricValue(m: Pick<ProgressMetric, 'value' | 'format'>): string {
  const v = m.value;
  if (typeof v !== 'number' || !Number.isFinite(v)) return String(v);
  if (m.format === 'percent') return `${(100 * v).toFixed(1)}%`;
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return v.toExponential(2);
  return Number(v.toPrecision(3)).toString();
}

/** The metrics as one display string, `label value` pairs two spaces apart: `loss 0.0123  test acc 66.2%`. */
export function formatMetrics(metrics: readonly ProgressMetric[] | undefined): string {
  return (metrics ?? []).map((m) => `${m.label} ${formatMetricValue(m)}`).join('  ');
}

/** "1m05s", "3.2s", "450ms". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}m${String(s).padStart(2, '0')}s`;
}

/** "512 B", "3.4 kB", "12.0 MB" (powers of 1000). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** Rate (units per second) and remaining time from progress so far. */
export function rateAndEta(done: number, total: number, elapsedMs: number): { rate: number; etaMs: number } {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  return { rate, etaMs: rate > 0 ? ((total - done) / rate) * 1000 : Number.POSITIVE_INFINITY };
}

/** One line summarising a finished run. */
export function summaryLine(s: RunSummary): string {
  const parts = [`${s.ran.length} ran`, `${s.hits.length} cached`];
  if (s.pulled.length) parts.push(`${s.pulled.length} of them pulled from the remote`);
  if (s.pushed.length) parts.push(`${s.pushed.length} pushed`);
  if (s.remoteFailed.length) parts.push(`${s.remoteFailed.length} remote transfer(s) FAILED`);
  if (s.failed.length) parts.push(`${s.failed.length} failed`);
  if (s.skipped.length) parts.push(`${s.skipped.length} skipped`);
  if (s.cancelled.length) parts.push(`${s.cancelled.length} cancelled`);
  const partial = s.partial.map((p) => `; ${p.instance} made without ${p.missing.join(', ')}`).join('');
  return `${s.ok ? 'ok' : 'FAILED'}: ${parts.join(', ')} in ${formatDuration(s.wallMs)}${partial}`;
}

/** A failure line: `FAILED   id: message`, without the instance id again when the message already starts with it. */
export function failureLine(instance: string, error: string): string {
  let message = error;
  while (message.startsWith(`${instance}: `)) message = message.slice(instance.length + 2);
  return `FAILED   ${instance}: ${message}`;
}

function eventLine(e: RunEvent): string | undefined {
  switch (e.type) {
    case 'plan':
      return `plan: ${e.instances.length} stage instances, ${e.jobs} cores`;
    case 'hit':
      return e.from === 'remote'
        ? `pulled   ${e.instance} (${e.key.slice(0, 12)}) from the remote, ${e.blobs ?? 0} blob(s), ${formatBytes(e.bytes ?? 0)}`
        : `cached   ${e.instance} (${e.key.slice(0, 12)})`;
    case 'corrupt':
      return `CORRUPT  ${e.instance} (${e.key.slice(0, 12)})${e.where === 'remote' ? ' in the remote' : ''}: ${e.reason}; ${e.where === 'remote' ? 'not used' : 'recomputing'}`;
    case 'pushed':
      return `pushed   ${e.instance} (${e.key.slice(0, 12)}) ${e.already ? 'the remote had it already' : `${e.blobs} blob(s), ${formatBytes(e.bytes)}`}`;
    case 'remote-failed':
      return `REMOTE   ${e.instance}: ${e.error}`;
    case 'start':
      return `start    ${e.instance} (${e.reason}${e.executor ? `, ${e.executor} job` : e.where === 'child' ? ', child process' : ''}${e.threads ? `, ${e.threads} threads` : ''}${e.gpus ? `, ${e.gpus} GPU${e.gpus > 1 ? 's' : ''}` : ''})`;
    case 'job':
      return `job      ${e.instance}: ${e.jobId} ${e.state}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}, ${e.detail}`;
    case 'log':
      return `         ${e.instance}: ${e.message}`;
    case 'done':
      return `done     ${e.instance} in ${formatDuration(e.durationMs)}`;
    case 'published':
      return `wrote    ${e.file}`;
    case 'failed':
      return failureLine(e.instance, e.error);
    case 'skipped':
      return `skipped  ${e.instance} (upstream failed: ${e.because.join(', ')})`;
    case 'cancelled':
      return `cancel   ${e.instance}`;
    case 'finished':
      return summaryLine(e.summary);
    case 'progress':
      return undefined;
  }
}

class PlainDisplay implements ProgressDisplay {
  private readonly lastDecile = new Map<string, number>();
  constructor(private readonly stream: NodeJS.WritableStream) {}

  handle(e: RunEvent): void {
    if (e.type === 'progress') {
      const decile = e.total > 0 ? Math.floor((10 * e.done) / e.total) : 0;
      if (decile <= (this.lastDecile.get(e.instance) ?? 0) || decile >= 10) return;
      this.lastDecile.set(e.instance, decile);
      const { rate, etaMs } = rateAndEta(e.done, e.total, e.elapsedMs);
      const metrics = formatMetrics(e.metrics);
      this.write(
        `progress ${e.instance} ${e.done}/${e.total} (${decile * 10}%) ${rate.toFixed(1)}/s ETA ${formatDuration(etaMs)}${e.note ? ` ${e.note}` : ''}${metrics ? `  ${metrics}` : ''}`,
      );
      return;
    }
    const line = eventLine(e);
    if (line) this.write(line);
  }

  stop(): void {}

  private write(line: string): void {
    this.stream.write(`${line}\n`);
  }
}

class LiveDisplay implements ProgressDisplay {
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private readonly multi: cliProgress.MultiBar;

  constructor(stream: NodeJS.WriteStream) {
    this.multi = new cliProgress.MultiBar(
      {
        stream,
        format: '{bar} {instance} {value}/{total} {rate}/s ETA {etaText} {note}{metrics}',
        hideCursor: true,
        clearOnComplete: true,
        stopOnComplete: false,
        etaBuffer: 50,
        fps: 10,
        barsize: 20,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  handle(e: RunEvent): void {
    if (e.type === 'start') {
      this.bars.set(e.instance, this.multi.create(1, 0, { instance: e.instance, rate: '-', etaText: '-', note: '', metrics: '' }));
    } else if (e.type === 'progress') {
      const bar = this.bars.get(e.instance);
      if (!bar) return;
      const { rate, etaMs } = rateAndEta(e.done, e.total, e.elapsedMs);
      bar.setTotal(e.total);
      const metrics = formatMetrics(e.metrics);
      bar.update(e.done, { rate: rate.toFixed(1), etaText: formatDuration(etaMs), note: e.note ?? '', metrics: metrics ? `  ${metrics}` : '' });
    } else {
      if (e.type === 'done' || e.type === 'failed' || e.type === 'cancelled') {
        const bar = this.bars.get(e.instance);
        if (bar) this.multi.remove(bar);
        this.bars.delete(e.instance);
      }
      const line = eventLine(e);
      if (line && e.type !== 'plan') this.multi.log(`${line}\n`);
    }
  }

  stop(): void {
    this.multi.stop();
  }
}

/** `run --progress json`: every event as one line of JSON (a NaN or infinite metric value is written as null). */
class JsonDisplay implements ProgressDisplay {
  constructor(private readonly stream: NodeJS.WritableStream) {}

  handle(e: RunEvent): void {
    this.stream.write(`${JSON.stringify(e)}\n`);
  }

  stop(): void {}
}
