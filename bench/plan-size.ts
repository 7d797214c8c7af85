/**
 * What planning costs per stage instance, which the default of `--max-instances` (pipeline/plan-limits.ts) rests on:
 * the sgd-noise project's `quick` profile swept over `seed` (every instance reads it, so no point shares any), planned
 * in a fresh process per size; the slope between sizes is the cost of one more instance (CPU time, peak memory).
 *
 *   node --import tsx bench/plan-size.ts [points …]   (default 50 200 800: 2,400 to 38,400 instances)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One measurement: instances planned, CPU milliseconds of resolving and planning, the process's peak RSS in KiB. */
interface Sample {
  points: number;
  instances: number;
  cpuMs: number;
  maxRssKiB: number;
}

/** Resolves and plans a seed sweep of `points` points in this process and prints its Sample as JSON. */
async function measureOne(points: number): Promise<void> {
  const { default: project } = await import('../pipeline.config.ts');
  const { projectPlan, resolveConfig } = await import('../pipeline/project.ts');
  const seeds = Array.from({ length: points }, (_, i) => i).join(',');
  const t0 = process.cpuUsage();
  const resolved = resolveConfig(project, 'quick', [], [`seed=${seeds}`], { maxInstances: Number.POSITIVE_INFINITY });
  const plan = projectPlan(project, resolved, { hashFile: () => '0'.repeat(64) });
  const used = process.cpuUsage(t0);
  const sample: Sample = { points, instances: plan.order.length, cpuMs: (used.user + used.system) / 1000, maxRssKiB: process.resourceUsage().maxRSS };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

/** Measures each size in a child process and prints the samples and the per-instance slope of the last two. */
function main(sizes: number[]): void {
  const self = fileURLToPath(import.meta.url);
  const samples = sizes.map(
    (n) =>
      JSON.parse(
        execFileSync(process.execPath, ['--import', 'tsx', self, '--one', String(n)], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .at(-1)!,
      ) as Sample,
  );
  for (const s of samples)
    console.log(`${s.points} points, ${s.instances} instances: ${s.cpuMs.toFixed(0)} ms CPU, peak RSS ${(s.maxRssKiB / 1024).toFixed(0)} MiB`);
  const [a, b] = samples.slice(-2) as [Sample, Sample];
  const d = b.instances - a.instances;
  console.log(`per instance: ${((b.cpuMs - a.cpuMs) / d).toFixed(3)} ms CPU, ${((b.maxRssKiB - a.maxRssKiB) / d).toFixed(1)} KiB`);
}

const args = process.argv.slice(2);
if (args[0] === '--one') await measureOne(Number(args[1]));
else main(args.length ? args.map(Number) : [50, 200, 800]);
