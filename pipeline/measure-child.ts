/**
 * Child-process entry for `measuredPriorities` (pipeline/priorities.ts): reads `{projectModule, config, needed}` as
 * JSON on stdin, runs the project's `measureCosts` for the needed operations (its log lines are dropped), and prints
 * the costs as one JSON line (`null` when the project measures nothing).
 */
import { loadProject } from './project.ts';

async function main(): Promise<void> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  const job = JSON.parse(text) as { projectModule: string; config: Record<string, unknown>; needed: string[] };
  const project = await loadProject(job.projectModule);
  const costs = project.measureCosts ? (await project.measureCosts(job.config, new Set(job.needed), () => undefined)).costs : null;
  process.stdout.write(`${JSON.stringify(costs)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).message ?? String(err)}\n`);
    process.exit(1);
  },
);
