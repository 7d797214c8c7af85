/**
 * Feed-forward models described as a list of layers, with a flat parameter vector and batched per-example gradients.
 *
 * Layers: conv2d (stride 1, 'valid' or 'same' padding, with bias), dense (with bias), maxpool (k×k, stride k), relu,
 * tanh, flatten. Parameters are laid out layer by layer, weight then bias: conv weights [kh, kw, ci, co], dense
 * weights [nin, nout], row-major. A head turns the last layer's output into per-example losses.
 *
 * Per-example gradients come from ONE backward pass: a zero "probe" tensor is added to every parametric layer's
 * output, the gradient of Σᵢ ℓᵢ with respect to the probes is each layer's dz for every example, and the weight
 * gradients are rebuilt per example from the layer inputs (stages/models/per_example.ts). A layer kind without such
 * a rule would be an error naming it; all kinds here have one.
 */
import { tf } from '../tf/tfjs.ts';
import type { Scalar, Tensor, Tensor1D, Tensor2D, Tensor4D } from '@tensorflow/tfjs';
import type { Rng } from '../numerics/random.ts';
import { checkBatch, layoutParams, unflatten, type Batch, type FlatModel, type ParamSpec } from './model.ts';
import { fusedValueAndGrad, nativeProgram } from './fused.ts';
import { perExampleConvBiasGrads, perExampleConvFilterGrads, perExampleDenseWeightGrads } from './per_example.ts';

/** One layer of a sequential model. */
export type Layer =
  | { readonly kind: 'conv2d'; readonly name: string; readonly kernel: number; readonly filters: number; readonly padding: 'valid' | 'same' }
  | { readonly kind: 'dense'; readonly name: string; readonly units: number }
  | { readonly kind: 'maxpool'; readonly size: number }
  | { readonly kind: 'relu' }
  | { readonly kind: 'tanh' }
  | { readonly kind: 'flatten' };

/** What an initialiser knows about the parameter block it fills. */
export interface ParamRole {
  readonly layer: string;
  readonly kind: 'conv2d' | 'dense';
  readonly role: 'weight' | 'bias';
  /** Inputs per output unit (kh·kw·ci for conv, nin for dense). */
  readonly fanIn: number;
  /** Outputs per input unit (kh·kw·co for conv, nout for dense). */
  readonly fanOut: number;
  readonly spec: ParamSpec;
}

/** Fills one parameter block: returns `role.spec.size` values drawn from `rng`. */
export type ParamInit = (role: ParamRole, rng: Rng) => Float32Array;

/** Turns the last layer's output into per-example losses (and, optionally, into predictions). */
export interface Head {
  /** Whether `loss` needs batch.y. */
  readonly needsTargets: boolean;
  /** Per-example losses [n] from the last layer's output and the targets. */
  loss(out: Tensor, y: Tensor | undefined): Tensor1D;
  /** What `predict` returns (default: the last layer's output). */
  predict?(out: Tensor): Tensor;
  /**
   * The fused native loss this head computes, if any: 'softmax-cross-entropy' lets a model of layers that
   * stages/models/fused.ts covers take its one-call value and gradient. A head without it keeps tfjs's autodiff.
   */
  readonly fused?: 'softmax-cross-entropy';
}

/** Everything that defines a sequential model. */
export interface SequentialSpec {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly layers: readonly Layer[];
  readonly head: Head;
  readonly init: ParamInit;
}

/** A parametric layer after shape inference. */
interface ParamLayer {
  readonly layer: Extract<Layer, { kind: 'conv2d' | 'dense' }>;
  readonly weight: number; // index into params
  readonly bias: number;
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
  readonly roles: readonly [ParamRole, ParamRole];
}

/** Probes added to parametric layer outputs, and the layer inputs recorded (kept clones) for per-example gradients. */
interface Tap {
  readonly probes: readonly Tensor[];
  readonly inputs: Tensor[];
}

/** A model from a layer list: `sequentialModel({name, inputShape: [28, 28, 1], layers, head, init})`. */
export function sequentialModel(spec: SequentialSpec): FlatModel & { readonly layers: readonly Layer[] } {
  const { paramLayers, params, shapes } = plan(spec);
  const size = params.reduce((a, p) => a + p.size, 0);
  // the one-call native value and gradient, for heads that declare it and layers it covers (stages/models/fused.ts)
  const program = spec.head.fused === 'softmax-cross-entropy' ? nativeProgram(spec.layers, shapes, params) : null;

  const forward = (ps: readonly Tensor[], x: Tensor, tap?: Tap): Tensor => {
    let h = x;
    let k = 0;
    for (const layer of spec.layers) {
      switch (layer.kind) {
        case 'conv2d':
        case 'dense': {
          const pl = paramLayers[k]!;
          if (tap) tap.inputs.push(tf.keep(tf.clone(h)));
          let z =
            layer.kind === 'conv2d'
              ? tf.add(tf.conv2d(h as Tensor4D, ps[pl.weight] as Tensor4D, 1, layer.padding), ps[pl.bias]!)
              : tf.add(tf.matMul(h as Tensor2D, ps[pl.weight] as Tensor2D), ps[pl.bias]!);
          if (tap) z = tf.add(z, tap.probes[k]!);
          h = z;
          k++;
          break;
        }
        case 'maxpool':
          h = tf.maxPool(h as Tensor4D, layer.size, layer.size, 'valid');
          break;
        case 'relu':
          h = tf.relu(h);
          break;
        case 'tanh':
          h = tf.tanh(h);
          break;
        case 'flatten':
          h = tf.reshape(h, [h.shape[0]!, -1]);
          break;
      }
    }
    return h;
  };

  const perExampleLossFrom = (ps: readonly Tensor[], batch: Batch, tap?: Tap): Tensor1D => {
    checkBatch(model, batch, spec.head.needsTargets);
    return spec.head.loss(forward(ps, batch.x, tap), batch.y);
  };

  const model = {
    name: spec.name,
    size,
    params,
    inputShape: [...spec.inputShape],
    layers: spec.layers,
    init(rng: Rng): Float32Array {
      const w = new Float32Array(size);
      for (const pl of paramLayers) {
        for (const role of pl.roles) {
          const values = spec.init(role, rng);
          if (values.length !== role.spec.size) {
            throw new Error(`${spec.name}: initialiser gave ${values.length} values for ${role.spec.name} (${role.spec.size})`);
          }
          w.set(values, role.spec.offset);
        }
      }
      return w;
    },
    perExampleLoss(w: Tensor1D, batch: Batch): Tensor1D {
      return tf.tidy(() => perExampleLossFrom(unflatten(w, params), batch));
    },
    loss(w: Tensor1D, batch: Batch): Scalar {
      return tf.tidy(() => tf.mean(perExampleLossFrom(unflatten(w, params), batch)) as Scalar);
    },
    lossAndPrediction(w: Tensor1D, batch: Batch): { losses: Tensor1D; prediction: Tensor } {
      const [losses, prediction] = tf.tidy(() => {
        checkBatch(model, batch, spec.head.needsTargets);
        const out = forward(unflatten(w, params), batch.x);
        return [spec.head.loss(out, batch.y), spec.head.predict ? spec.head.predict(out) : out] as [Tensor1D, Tensor];
      });
      return { losses, prediction };
    },
    fusedValueAndGrad(w: Tensor1D | Float32Array, batch: Batch, rows?: ArrayLike<number>) {
      if (!program) return null;
      checkBatch(model, batch, true);
      const given = w instanceof Float32Array ? w.length : w.rank === 1 ? w.shape[0] : -1;
      if (given !== size) throw new Error(`${spec.name}: expected a parameter vector of length ${size}, got ${given}`);
      return fusedValueAndGrad(program, w, batch, rows);
    },
    predict(w: Tensor1D, x: Tensor): Tensor {
      return tf.tidy(() => {
        checkBatch(model, { x }, false);
        const out = forward(unflatten(w, params), x);
        return spec.head.predict ? spec.head.predict(out) : out;
      });
    },
    perExampleGradients(w: Tensor1D, batch: Batch): Tensor2D {
      const n = checkBatch(model, batch, spec.head.needsTargets);
      const inputs: Tensor[] = [];
      try {
        return tf.tidy(() => {
          const ps = unflatten(w, params);
          const probes = paramLayers.map((pl) => tf.fill([n, ...pl.outShape], 0)); // tf.zeros is slow on wasm
          const dz = tf.grads((...pr: Tensor[]) => tf.sum(perExampleLossFrom(ps, batch, { probes: pr, inputs })))(probes);
          const columns: Tensor[] = [];
          paramLayers.forEach((pl, l) => {
            const a = inputs[l]!;
            const d = dz[l]!;
            if (pl.layer.kind === 'conv2d') {
              const k = pl.layer.kernel;
              columns.push(perExampleConvFilterGrads(a as Tensor4D, d as Tensor4D, k, k, pl.layer.padding));
              columns.push(perExampleConvBiasGrads(d as Tensor4D));
            } else {
              columns.push(perExampleDenseWeightGrads(a as Tensor2D, d as Tensor2D), d);
            }
          });
          return tf.concat(columns, 1) as Tensor2D;
        });
      } finally {
        tf.dispose(inputs);
      }
    },
  };
  return model;
}

/**
 * The per-example shape after `layer` applied to `shape` (one step of `layerShapes`); throws naming the layer
 * (`where`) when the shapes do not fit. Example: `layerOutputShape([28, 28, 1], {kind: 'maxpool', size: 2}, 'cnn')`.
 */
function layerOutputShape(shape: readonly number[], layer: Layer, where: string): number[] {
  switch (layer.kind) {
    case 'conv2d': {
      if (shape.length !== 3) throw new Error(`${where}: conv2d needs [H, W, C] inputs`);
      const [H, W] = shape as [number, number, number];
      const k = layer.kernel;
      const out = layer.padding === 'same' ? [H, W, layer.filters] : [H - k + 1, W - k + 1, layer.filters];
      if (layer.padding === 'same' && k % 2 === 0) throw new Error(`${where}: 'same' padding needs an odd kernel`);
      if (out[0]! < 1 || out[1]! < 1) throw new Error(`${where}: ${k}×${k} kernel is larger than the input`);
      return out;
    }
    case 'dense':
      if (shape.length !== 1) throw new Error(`${where}: dense needs flat inputs (add a flatten layer)`);
      return [layer.units];
    case 'maxpool': {
      if (shape.length !== 3) throw new Error(`${where}: maxpool needs [H, W, C] inputs`);
      const [H, W, C] = shape as [number, number, number];
      if (H % layer.size !== 0 || W % layer.size !== 0) {
        throw new Error(`${where}: ${layer.size}×${layer.size} pooling needs sizes divisible by ${layer.size}`);
      }
      return [H / layer.size, W / layer.size, C];
    }
    case 'flatten':
      return [shape.reduce((a, b) => a * b, 1)];
    case 'relu':
    case 'tanh':
      return [...shape];
    default:
      throw new Error(`${where}: unknown layer kind`);
  }
}

/** Where a layer sits, for errors: `cnn: layer 3 (conv2d 'conv2') on [12,12,10]`. */
function layerWhere(name: string, layer: Layer, i: number, shape: readonly number[]): string {
  return `${name}: layer ${i} (${layer.kind}${'name' in layer ? ` '${layer.name}'` : ''}) on [${shape}]`;
}

/**
 * The per-example shapes of a layer list: `shapes[i]` is layer i's input, `shapes[layers.length]` the output. The one
 * shape inference that `plan`, the native program (stages/models/fused.ts) and chunk sizing use; errors name the
 * layer. Example: `layerShapes('cnn', [28, 28, 1], layers).at(-1)` is `[10]`.
 */
export function layerShapes(name: string, inputShape: readonly number[], layers: readonly Layer[]): number[][] {
  const shapes = [[...inputShape]];
  layers.forEach((layer, i) => {
    const shape = shapes[i]!;
    shapes.push(layerOutputShape(shape, layer, layerWhere(name, layer, i, shape)));
  });
  return shapes;
}

/** Shape inference (`layerShapes`) and parameter layout for a layer list; errors name the layer and the shapes. */
function plan(spec: SequentialSpec): { paramLayers: ParamLayer[]; params: ParamSpec[]; shapes: number[][] } {
  const shapes = layerShapes(spec.name, spec.inputShape, spec.layers);
  const blocks: { name: string; shape: number[] }[] = [];
  const pending: Omit<ParamLayer, 'roles'>[] = [];
  spec.layers.forEach((layer, i) => {
    const shape = shapes[i]!;
    const out = shapes[i + 1]!;
    if (layer.kind === 'conv2d') {
      blocks.push({ name: `${layer.name}.weight`, shape: [layer.kernel, layer.kernel, shape[2]!, layer.filters] });
      blocks.push({ name: `${layer.name}.bias`, shape: [layer.filters] });
      pending.push({ layer, weight: blocks.length - 2, bias: blocks.length - 1, inShape: shape, outShape: out });
    } else if (layer.kind === 'dense') {
      blocks.push({ name: `${layer.name}.weight`, shape: [shape[0]!, layer.units] });
      blocks.push({ name: `${layer.name}.bias`, shape: [layer.units] });
      pending.push({ layer, weight: blocks.length - 2, bias: blocks.length - 1, inShape: shape, outShape: out });
    }
  });
  const params = layoutParams(blocks);
  const paramLayers = pending.map((pl): ParamLayer => {
    const l = pl.layer;
    const [fanIn, fanOut] = l.kind === 'conv2d' ? [l.kernel * l.kernel * pl.inShape[2]!, l.kernel * l.kernel * l.filters] : [pl.inShape[0]!, l.units];
    const role = (r: 'weight' | 'bias', index: number): ParamRole => ({
      layer: l.name,
      kind: l.kind,
      role: r,
      fanIn,
      fanOut,
      spec: params[index]!,
    });
    return { ...pl, roles: [role('weight', pl.weight), role('bias', pl.bias)] };
  });
  return { paramLayers, params, shapes };
}
