/**
 * Every instance key of every profile, report included, against test/golden/profile-keys.json: a refactor that moves
 * code but not behaviour leaves all of them as they were. Set UPDATE_GOLDEN=1 to rewrite the file after an intended
 * change (and say in the commit which keys moved and why).
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import project from '../pipeline.config.ts';
import { buildPlan } from '../pipeline/plan.ts';
import { resolveConfig } from '../pipeline/project.ts';

const GOLDEN = new URL('./golden/profile-keys.json', import.meta.url);

/** Profile → instance id → key, on backend 'wasm' (the default 'auto' depends on the machine). */
function allKeys(): Record<string, Record<string, string>> {
  return Object.fromEntries(
    Object.keys(project.profiles)
      .sort()
      .map((profile) => {
        const plan = buildPlan(project.stages, resolveConfig(project, profile, ['backend=wasm']).config);
        return [profile, Object.fromEntries(plan.order.map((id) => [id, plan.nodes.get(id)!.key]))];
      }),
  );
}

test('every profile keeps every instance and every key (report included)', (t) => {
  const now = allKeys();
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, `${JSON.stringify(now, null, 1)}\n`);
  const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, Record<string, string>>;
  t.deepEqual(Object.keys(now), Object.keys(golden), 'the same profiles');
  for (const profile of Object.keys(golden)) {
    const a = golden[profile]!;
    const b = now[profile] ?? {};
    const moved = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((id) => a[id] !== b[id]).sort();
    t.deepEqual(moved, [], `profile ${profile}: instances whose key moved, appeared or vanished`);
  }
});
