import test from 'ava';
import { z } from 'zod';
import type { NDArray } from '../cache/values.ts';
import { dep, inputs, named, optionalDep } from './deps.ts';
import { f32, json, type ProducedOutputs } from './outputs.ts';
import { defineStage } from './stage.ts';

const upstream = defineStage({
  id: 'up',
  version: 1,
  description: 'a typed upstream',
  instances: () => [{ seed: 0 }, { seed: 1 }],
  reads: [],
  outputs: { w: f32, log: json(z.array(z.object({ loss: z.number() }))) },
  async run() {
    return { w: new Float32Array(2), log: [{ loss: 1 }] };
  },
});

test('dep, optionalDep, named and inputs give the plain references the planner has always read (no key changes)', (t) => {
  t.deepEqual(dep(upstream, { seed: 1 }), { stage: 'up', params: { seed: 1 } });
  t.deepEqual(dep(upstream), { stage: 'up' });
  t.false('params' in dep(upstream));
  t.deepEqual(optionalDep(upstream), { stage: 'up', optional: true });
  const refs = inputs(
    { first: dep(upstream, { seed: 0 }) },
    named('run_', [
      ['0', dep(upstream, { seed: 0 })],
      ['1', dep(upstream, { seed: 1 })],
    ] as const),
  );
  t.deepEqual(refs, { first: { stage: 'up', params: { seed: 0 } }, run_0: { stage: 'up', params: { seed: 0 } }, run_1: { stage: 'up', params: { seed: 1 } } });
  t.deepEqual(Object.keys(refs), ['first', 'run_0', 'run_1']);
});

// Type-level checks: `npx tsc --noEmit -p .` fails if the typing of inputs or outputs is lost (an unused
// expect-error directive is itself an error).
export const downstream = defineStage({
  id: 'down',
  version: 1,
  description: 'reads the typed upstream',
  reads: [],
  deps: () =>
    inputs({ one: dep(upstream, { seed: 0 }), maybe: optionalDep(upstream, { seed: 1 }) }, named('run_', [['1', dep(upstream, { seed: 1 })]] as const)),
  outputs: { total: json(z.number()) },
  async run(_ctx, inputs) {
    const w: NDArray<Float32Array> = inputs.one.w;
    const loss: number = inputs.one.log[0]!.loss + inputs.run_1.log[0]!.loss + (inputs.maybe?.log[0]!.loss ?? 0);
    // @ts-expect-error: the upstream declares no output 'missing'
    void inputs.one.missing;
    // @ts-expect-error: 'log' rows have no field 'accuracy'
    void inputs.one.log[0]!.accuracy;
    // @ts-expect-error: an optional input may be absent
    void inputs.maybe.w;
    // @ts-expect-error: `w` is a float32 array, not a float64 one
    const wrong: NDArray<Float64Array> = inputs.run_1.w;
    void wrong;
    return { total: loss + w.data.length };
  },
});

// An input `deps` leaves out when a setting is off stays typed, as possibly absent.
export const conditional = defineStage({
  id: 'conditional',
  version: 1,
  description: 'reads an upstream only some configs include',
  reads: [],
  deps: (_p, cfg) => ({ ...(cfg<boolean>('on') ? { maybe: optionalDep(upstream, { seed: 0 }) } : {}), one: dep(upstream, { seed: 1 }) }),
  async run(_ctx, inputs) {
    const loss: number | undefined = inputs.maybe?.log[0]!.loss;
    // @ts-expect-error: the input may be absent
    void inputs.maybe.log;
    // @ts-expect-error: 'log' rows have no field 'accuracy', in a conditional input too
    void inputs.maybe?.log[0]!.accuracy;
    return { total: (loss ?? 0) + inputs.one.w.data.length };
  },
});

const produced = { total: json(z.number()), w: f32 } as const;
export const wellTyped: ProducedOutputs<typeof produced> = { total: 1, w: new Float32Array(1) };
export const badJson: ProducedOutputs<typeof produced> = {
  // @ts-expect-error: 'total' is declared a number
  total: 'many',
  w: new Float32Array(1),
};
export const badDtype: ProducedOutputs<typeof produced> = {
  total: 1,
  // @ts-expect-error: 'w' is declared float32
  w: new Float64Array(1),
};
export const undeclared: ProducedOutputs<typeof produced> = {
  total: 1,
  w: new Float32Array(1),
  // @ts-expect-error: 'extra' is not declared
  extra: 1,
};
// @ts-expect-error: 'w' is missing
export const missing: ProducedOutputs<typeof produced> = { total: 1 };
