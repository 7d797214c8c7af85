/**
 * Recording tfjs's gradient tape once and back-propagating through it many times.
 *
 * tf.grad re-runs its function on every call. For Hessian-vector products at a fixed point, the forward pass and
 * the first backward pass (which produce g = ∇L(w) with its tape) do not depend on v; only the final backward pass
 * (the VJP of g with cotangent v) does. `recordTape` runs a function with the tape on and hands back the tape;
 * `tapeVjp` back-propagates a cotangent through it. This relies on tfjs 4.x engine internals that are public fields
 * (`engine.state.activeTape`, `gradientDepth`) and on the tape-node shape of tfjs-core/dist/tape.d.ts; the two
 * graph functions below mirror tfjs-core's own `getFilteredNodesXToY` and `backpropagateGradients`, which the
 * package does not export. tape.test.ts checks the results against tf.grad.
 */
import { tf } from './tfjs.ts';
import type { NamedTensorMap, Tensor } from '@tensorflow/tfjs';

/** One recorded op: inputs, outputs, saved tensors and the gradient closure, as tfjs stores it. */
export interface TapeNode {
  id: number;
  kernelName: string;
  outputs: Tensor[];
  inputs: NamedTensorMap;
  gradient?: (dys: Tensor[]) => { [inputName: string]: () => Tensor };
  saved?: Tensor[];
}

/** A recorded tape; `dispose()` frees the tensors its nodes saved for the backward pass. */
export interface Tape {
  readonly nodes: readonly TapeNode[];
  dispose(): void;
}

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
}

/**
 * Runs `f` with gradient recording on (as the forward half of tf.grad does) and returns its result and the tape.
 * Tensors created by `f` follow the usual scoping rules: keep what you need. Refuses to run inside tf.grad.
 */
export function recordTape<T>(f: () => T): { result: T; tape: Tape } {
  const state = (tf.engine() as unknown as EngineInternals).state;
  if (state.gradientDepth !== 0) throw new Error('recordTape: cannot record inside another gradient computation');
  state.activeTape = [];
  state.gradientDepth++;
  let nodes: TapeNode[];
  let result: T;
  try {
    result = f();
  } catch (err) {
    for (const node of state.activeTape ?? []) for (const t of node.saved ?? []) t.dispose();
    throw err;
  } finally {
    state.gradientDepth--;
    nodes = state.activeTape ?? [];
    state.activeTape = null;
  }
  let disposed = false;
  const tape: Tape = {
    nodes,
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const node of nodes) for (const t of node.saved ?? []) t.dispose();
    },
  };
  return { result, tape };
}

/** The nodes of `nodes` on a path from some x in `xs` to y, with inputs pruned to those reachable from xs. */
export function filterTape(nodes: readonly TapeNode[], xs: readonly Tensor[], y: Tensor): TapeNode[] {
  const fromX = new Set<number>(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of nodes) {
    for (const name in node.inputs) {
      if (fromX.has(node.inputs[name]!.id)) {
        for (const o of node.outputs) fromX.add(o.id);
        nodesFromX.add(node.id);
        break;
      }
    }
  }
  const leadsToY = new Set<number>([y.id]);
  const nodesToY = new Set<number>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (node.outputs.some((o) => leadsToY.has(o.id))) {
      for (const name in node.inputs) leadsToY.add(node.inputs[name]!.id);
      nodesToY.add(node.id);
    }
  }
  const filtered: TapeNode[] = [];
  for (const node of nodes) {
    if (!nodesFromX.has(node.id) || !nodesToY.has(node.id)) continue;
    const inputs: NamedTensorMap = {};
    for (const name in node.inputs) if (fromX.has(node.inputs[name]!.id)) inputs[name] = node.inputs[name]!;
    filtered.push({ ...node, inputs });
  }
  return filtered;
}

/**
 * ∂⟨y, dy⟩/∂x for each x in `xs`, back-propagating through a filtered tape (see `filterTape`) with tape recording
 * off. Returns new tensors (zeros where y does not depend on x).
 */
export function tapeVjp(filtered: readonly TapeNode[], xs: readonly Tensor[], y: Tensor, dy: Tensor): Tensor[] {
  if (!tf.util.arraysEqual(dy.shape, y.shape)) throw new Error(`tapeVjp: dy has shape [${dy.shape}], y has [${y.shape}]`);
  return tf.tidy(() => {
    const acc = new Map<number, Tensor>([[y.id, dy]]);
    for (let i = filtered.length - 1; i >= 0; i--) {
      const node = filtered[i]!;
      const dys = node.outputs.map((o) => acc.get(o.id) ?? tf.fill(o.shape, 0)); // o itself may be disposed
      if (!node.gradient) throw new Error(`tapeVjp: no gradient function for ${node.kernelName}`);
      const grads = node.gradient(dys);
      for (const name in node.inputs) {
        const x = node.inputs[name]!;
        if (!(name in grads)) throw new Error(`tapeVjp: ${node.kernelName} has no gradient for input '${name}'`);
        const dx = grads[name]!();
        if (!tf.util.arraysEqual(dx.shape, x.shape)) {
          throw new Error(`tapeVjp: ${node.kernelName} gave a gradient of shape [${dx.shape}] for input '${name}' [${x.shape}]`);
        }
        const prev = acc.get(x.id);
        acc.set(x.id, prev ? tf.add(prev, dx) : dx);
      }
    }
    return xs.map((x) => acc.get(x.id) ?? tf.zerosLike(x));
  });
}
