/**
 * MaxPoolGrad and MaxPoolPick on the webgpu backend, as WGSL programs with the tie rule of the cpu, wasm and native
 * kernels: each tiling window routes its gradient to its first maximum in row-major order (stages/tf/kernels/
 * max_pool_grad.ts). Both only select values, so they equal the other backends bit for bit. tfjs's own webgpu
 * MaxPoolGrad (kept as the fallback for overlapping or padded windows) picks a window's last maximum instead.
 */
import type * as tf from '@tensorflow/tfjs';
import { inputTensor } from './kernel_util.ts';
import { MAX_POOL_PICK, tilingWindow } from './max_pool_grad.ts';

/** The parts of tfjs-backend-webgpu's WebGPUBackend these kernels use. */
interface WebGpuBackendLike {
  runWebGPUProgram(program: object, inputs: tf.TensorInfo[], dtype: tf.DataType, uniforms?: { type: string; data: number[] }[]): tf.TensorInfo;
}

/** WGSL that sets `arg` to the (row, col) of the first maximum of x in window (i, j) of batch b, channel ch. */
const FIRST_MAX = `
        var bestR = i * uniforms.window.x;
        var bestC = j * uniforms.window.y;
        var best = getX(b, bestR, bestC, ch);
        for (var a = 0; a < uniforms.window.x; a++) {
          for (var e = 0; e < uniforms.window.y; e++) {
            let r = i * uniforms.window.x + a;
            let c = j * uniforms.window.y + e;
            let v = getX(b, r, c, ch);
            if (v > best) {
              best = v;
              bestR = r;
              bestC = c;
            }
          }
        }`;

/** A flat elementwise program over `outputShape` with inputs `variableNames` and the window size as a uniform. */
function windowProgram(key: string, outputShape: number[], variableNames: string[], body: string): object {
  const workgroupSize: [number, number, number] = [64, 1, 1];
  const dispatchLayout = { x: outputShape.map((_, i) => i) };
  const size = outputShape.reduce((p, s) => p * s, 1);
  const dispatch = [Math.ceil(size / workgroupSize[0]), 1, 1];
  return {
    variableNames,
    uniforms: 'window : vec2<i32>,',
    workgroupSize,
    size: true,
    outputShape,
    dispatchLayout,
    dispatch,
    shaderKey: key,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let coords = getCoordsFromIndex(index);
          ${body}
        }
      }`,
  };
}

/** MaxPoolGrad for tiling windows on webgpu; `original` (tfjs's kernel) serves other geometries. */
export function makeWebGpuMaxPoolGradKernel(original: tf.KernelConfig | undefined): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as tf.MaxPoolGradAttrs;
    const x = inputTensor<tf.Tensor4D>(inputs.input, 'MaxPoolGrad', 'input');
    const dy = inputTensor<tf.Tensor4D>(inputs.dy, 'MaxPoolGrad', 'dy');
    const window = tilingWindow(x.shape, a);
    if (!window || x.dtype !== 'float32') {
      if (original) return original.kernelFunc({ inputs, backend, attrs });
      throw new Error('MaxPoolGrad on webgpu: only non-overlapping windows are implemented');
    }
    const program = windowProgram(
      'sgdNoiseMaxPoolGradFirst',
      [...x.shape],
      ['x', 'dy'],
      `
          let b = coords[0];
          let ch = coords[3];
          let i = coords[1] / uniforms.window.x;
          let j = coords[2] / uniforms.window.y;
          ${FIRST_MAX}
          var out = 0.0;
          if (bestR == coords[1] && bestC == coords[2]) {
            out = getDy(b, i, j, ch);
          }
          setOutputAtIndex(index, out);`,
    );
    return (backend as unknown as WebGpuBackendLike).runWebGPUProgram(program, [x, dy], 'float32', [{ type: 'int32', data: window }]);
  };
}

/** MaxPoolPick on webgpu: out[window] = d at the window's first maximum of x. */
export const webGpuMaxPoolPickKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputTensor<tf.Tensor4D>(inputs.x, MAX_POOL_PICK, 'x');
  const d = inputTensor<tf.Tensor4D>(inputs.d, MAX_POOL_PICK, 'd');
  const { kh, kw } = attrs as unknown as { kh: number; kw: number };
  const [n, H, W, c] = x.shape;
  const program = windowProgram(
    'sgdNoiseMaxPoolPick',
    [n, H / kh, W / kw, c],
    ['x', 'd'],
    `
          let b = coords[0];
          let i = coords[1];
          let j = coords[2];
          let ch = coords[3];
          ${FIRST_MAX}
          setOutputAtIndex(index, getD(b, bestR, bestC, ch));`,
  );
  return (backend as unknown as WebGpuBackendLike).runWebGPUProgram(program, [x, d], 'float32', [{ type: 'int32', data: [kh, kw] }]);
};
