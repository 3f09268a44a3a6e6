// Tensor: an NCHW float32 array with a shape, a device, and an optional gradient.
// CPU storage is a 64-byte aligned native buffer from the caching pool (see native.ts).
import { GradFn, runBackward, isGradEnabled } from './autograd';
import { nativeCore } from './native';
import { describe, fail } from './ops/validate';

export type Device = 'cpu' | 'cuda';

export interface TensorOptions {
  requiresGrad?: boolean;
  device?: Device;
}

// Minimal view of an ndarray (the `ndarray` package) used for interop.
export interface NdarrayLike {
  data: ArrayLike<number>;
  shape: number[];
  stride: number[];
  offset: number;
}

export function checkShape(shape: unknown, name = 'shape'): number[] {
  if (!Array.isArray(shape)) fail('type', 'an array of sizes', name, describe(shape));
  for (const s of shape) {
    if (typeof s !== 'number' || !Number.isInteger(s) || s <= 0) {
      fail('range', 'positive integer sizes', name, `[${shape.map((x) => describe(x)).join(', ')}]`);
    }
  }
  return [...shape];
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

function checkDevice(device: unknown): Device {
  if (device === undefined || device === 'cpu') return 'cpu';
  if (device === 'cuda') {
    const info = nativeCore().cudaInfo();
    throw new Error(`device 'cuda' is not available: ${info.reason ?? 'CUDA tensors are not supported by this build'}`);
  }
  return fail('type', `"cpu" or "cuda"`, 'device', describe(device));
}

// Allocates an uninitialised (zero = false) or zeroed native CPU buffer.
export function allocCpu(length: number, zero = true): Float32Array {
  return nativeCore().alloc(length, zero);
}

export class Tensor {
  readonly shape: readonly number[];
  readonly device: Device;
  readonly data: Float32Array;
  requiresGrad: boolean;
  grad: Tensor | null = null;
  gradFn: GradFn | null = null;

  // Wraps an existing buffer without copying (internal: ops use this for their outputs).
  constructor(data: Float32Array, shape: readonly number[], requiresGrad = false, device: Device = 'cpu') {
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.device = device;
    this.requiresGrad = requiresGrad;
  }

  // Copies `data` into a new native tensor of `shape`.
  static from(data: unknown, shape: unknown, options: TensorOptions = {}): Tensor {
    if (!(data instanceof Float32Array)) fail('type', 'a Float32Array', 'data', describe(data));
    const dims = checkShape(shape);
    const n = shapeSize(dims);
    if (data.length !== n) {
      fail('range', `length ${n} (the product of shape [${dims.join(', ')}])`, 'data', `length ${data.length}`);
    }
    const device = checkDevice(options.device);
    const buf = allocCpu(n, false);
    buf.set(data);
    return new Tensor(buf, dims, options.requiresGrad ?? false, device);
  }

  static zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
    const dims = checkShape(shape as number[]);
    checkDevice(options.device);
    return new Tensor(allocCpu(shapeSize(dims), true), dims, options.requiresGrad ?? false);
  }

  static full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
    const t = Tensor.zeros(shape, options);
    t.data.fill(value);
    return t;
  }

  static ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
    return Tensor.full(shape, 1, options);
  }

  static scalar(value: number, options: TensorOptions = {}): Tensor {
    return Tensor.full([1], value, options);
  }

  // Wraps a float32 ndarray without a copy when it is contiguous and starts at offset 0;
  // otherwise copies it in row-major order.
  static fromNdarray(nd: unknown, options: TensorOptions = {}): Tensor {
    const a = nd as NdarrayLike;
    if (!a || typeof a !== 'object' || !Array.isArray(a.shape) || !Array.isArray(a.stride) || !a.data) {
      fail('type', 'an ndarray', 'nd', describe(nd));
    }
    const dims = checkShape(a.shape, 'nd.shape');
    const n = shapeSize(dims);
    const contiguous = dims.every((_, i) => a.stride[i] === shapeSize(dims.slice(i + 1)));
    if (a.data instanceof Float32Array && contiguous && a.offset === 0 && a.data.length === n) {
      return new Tensor(a.data, dims, options.requiresGrad ?? false, checkDevice(options.device));
    }
    const out = allocCpu(n, false);
    const idx = new Array<number>(dims.length).fill(0);
    for (let k = 0; k < n; k++) {
      let off = a.offset;
      for (let d = 0; d < dims.length; d++) off += idx[d] * a.stride[d];
      out[k] = a.data[off];
      for (let d = dims.length - 1; d >= 0; d--) {
        if (++idx[d] < dims[d]) break;
        idx[d] = 0;
      }
    }
    return new Tensor(out, dims, options.requiresGrad ?? false, checkDevice(options.device));
  }

  get numel(): number {
    return shapeSize(this.shape);
  }

  get ndim(): number {
    return this.shape.length;
  }

  // A copy of the values (row-major).
  toFloat32Array(): Float32Array {
    return new Float32Array(this.data);
  }

  // An ndarray over the same memory (no copy).
  toNdarray(): NdarrayLike {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ndarray = require('ndarray') as (d: Float32Array, s: number[]) => NdarrayLike;
    return ndarray(this.data, [...this.shape]);
  }

  item(): number {
    if (this.numel !== 1) fail('range', 'a tensor of one element', 'item()', `shape [${this.shape.join(', ')}]`);
    return this.data[0];
  }

  clone(): Tensor {
    const buf = allocCpu(this.numel, false);
    buf.set(this.data);
    return new Tensor(buf, this.shape, false, this.device);
  }

  // Same values, cut from the tape.
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false, this.device);
  }

  to(device: Device): Tensor {
    if (device === this.device) return this;
    checkDevice(device);
    return this;
  }

  // d(this)/d(leaves) accumulated into every leaf's .grad. `grad` defaults to 1 for a scalar.
  backward(grad?: Tensor): void {
    if (!this.requiresGrad) {
      throw new Error('backward() called on a tensor that does not require grad (no input had requiresGrad: true)');
    }
    let g: Tensor;
    if (grad === undefined) {
      if (this.numel !== 1) {
        fail('type', `a gradient Tensor of shape [${this.shape.join(', ')}] (only a scalar may omit it)`, 'grad', 'undefined');
      }
      g = Tensor.ones(this.shape);
    } else {
      if (!(grad instanceof Tensor)) fail('type', 'a Tensor', 'grad', describe(grad));
      if (grad.shape.length !== this.shape.length || grad.shape.some((s, i) => s !== this.shape[i])) {
        fail('range', `shape [${this.shape.join(', ')}]`, 'grad', `shape [${grad.shape.join(', ')}]`);
      }
      g = grad;
    }
    runBackward(this, g);
  }

  zeroGrad(): void {
    this.grad = null;
  }

  // a + b as a new tensor, for gradient accumulation only (same shapes, no tape).
  plusForGrad(other: Tensor): Tensor {
    const out = allocCpu(this.numel, false);
    const a = this.data;
    const b = other.data;
    for (let i = 0; i < out.length; i++) out[i] = a[i] + b[i];
    return new Tensor(out, this.shape, false, this.device);
  }

  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}], device=${this.device}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

export { isGradEnabled };
