// Tensor: an NCHW float32 array with a shape, a device, and an optional gradient.
// CPU storage is a 64-byte aligned native buffer from the caching pool; CUDA storage is a device
// buffer handle: its values reach the host only through explicit, counted copies
// (toFloat32Array, to('cpu'), item). Both come from the storage layer (storage.ts) below this
// module, as do errors (errors.ts) and the tape (autograd.ts).
import ndarray from 'ndarray';
import { GradFn, runBackward, isGradEnabled, record } from './autograd';
import { registerGradient } from './gradients';
import { describe, fail, TENSOR_BRAND } from './errors';
import {
  Device, DeviceBuffer, Storage, allocCpu, allocOn, checkDevice, copyStorage, fillStorage, isDeviceBuffer, releaseCpu,
} from './storage';
import { checkStridedView } from './ndarray-bounds';

export type { Device };
export { allocCpu, allocOn, checkDevice };

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

// How many live Tensor objects wrap each CPU array (reshape views share their input's array):
// dispose() hands the block back only when the last of them is disposed.
const wrappers = new WeakMap<Float32Array, number>();
function wrap(a: Float32Array): void {
  wrappers.set(a, (wrappers.get(a) ?? 0) + 1);
}

export class Tensor {
  readonly shape: readonly number[];
  private dev: Device;
  private cpuData: Float32Array | null;
  private devData: DeviceBuffer | null;
  requiresGrad: boolean;
  grad: Tensor | null = null;
  gradFn: GradFn<Tensor> | null = null;
  private disposed = false;

  // Wraps an existing buffer without copying (internal: ops use this for their outputs). The
  // device follows the storage: a Float32Array is 'cpu', a DeviceBuffer is 'cuda'.
  constructor(data: Float32Array | DeviceBuffer, shape: readonly number[], requiresGrad = false, device?: Device) {
    if (data instanceof Float32Array) {
      if (device === 'cuda') throw new Error('internal: a Float32Array cannot back a cuda tensor');
      wrap(data);
      this.cpuData = data;
      this.devData = null;
      this.dev = 'cpu';
    } else {
      if (device === 'cpu' || !isDeviceBuffer(data)) throw new Error('internal: a cuda tensor needs a device buffer');
      this.cpuData = null;
      this.devData = data;
      this.dev = 'cuda';
    }
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = requiresGrad;
  }

  // The CPU values (no copy). A cuda tensor's values live in device memory: read them with
  // toFloat32Array() or to('cpu'), which copy explicitly.
  get data(): Float32Array {
    if (this.disposed) throw this.disposedError('data');
    if (this.cpuData === null) {
      throw new Error(
        `Expected a cpu tensor for data but received a tensor of shape [${this.shape.join(', ')}] on cuda ` +
          "(use toFloat32Array() or to('cpu') to copy it to the host)",
      );
    }
    return this.cpuData;
  }

  get device(): Device {
    return this.dev;
  }

  // Hands a CPU tensor's buffer back to the native pool now, instead of when the garbage
  // collector finds the tensor: for loops that would otherwise allocate faster than V8
  // collects. Tensors sharing one buffer (reshape views) free it when the last of them is
  // disposed; buffers the pool did not allocate (wrapped user arrays) are left alone; arrays
  // taken out with toNdarray() read as empty afterwards. Any later read of this tensor's
  // values throws. A cuda tensor is only marked (its memory is freed by the collector).
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.gradFn = null;
    const a = this.cpuData;
    if (a === null) return;
    const left = (wrappers.get(a) ?? 1) - 1;
    if (left > 0) {
      wrappers.set(a, left);
      return;
    }
    wrappers.delete(a);
    releaseCpu(a);
  }

  // No other live tensor wraps this CPU tensor's buffer (reshape views and detach() share it).
  // False on cuda, where views are not counted, and once disposed.
  get ownsStorage(): boolean {
    return !this.disposed && this.cpuData !== null && wrappers.get(this.cpuData) === 1;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private disposedError(what: string): Error {
    return new Error(`Expected a live tensor for ${what} but received a disposed tensor of shape [${this.shape.join(', ')}]`);
  }

  // The device memory of a 'cuda' tensor (null on the CPU).
  get deviceBuffer(): DeviceBuffer | null {
    if (this.disposed) throw this.disposedError('deviceBuffer');
    return this.devData;
  }

  // The storage of either device: a Float32Array (cpu) or a DeviceBuffer (cuda).
  get storage(): Storage {
    if (this.disposed) throw this.disposedError('storage');
    return this.cpuData ?? this.devData!;
  }

  // Moves this tensor's values to `device` in place (one counted copy) and drops its gradient:
  // Module.to() uses it so layers keep their parameter references. Not for tensors on a tape.
  moveTo(device: Device): void {
    const target = checkDevice(device);
    if (target === this.dev) return;
    if (this.gradFn) throw new Error('moveTo() is for leaf tensors (parameters, buffers); use to() inside a computation');
    if (target === 'cuda') {
      const buf = allocOn('cuda', this.numel, false) as DeviceBuffer;
      copyStorage(buf, this.cpuData!);
      this.devData = buf;
      this.cpuData = null;
    } else {
      const host = allocCpu(this.numel, false);
      copyStorage(host, this.devData!);
      wrap(host);
      this.cpuData = host;
      this.devData = null;
    }
    this.dev = target;
    this.grad = null;
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
    if (device === 'cuda') {
      const dev = allocOn('cuda', n, false);
      copyStorage(dev, data);
      return new Tensor(dev, dims, options.requiresGrad ?? false);
    }
    const buf = allocCpu(n, false);
    buf.set(data);
    return new Tensor(buf, dims, options.requiresGrad ?? false, device);
  }

  static zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
    const dims = checkShape(shape as number[]);
    const device = checkDevice(options.device);
    return new Tensor(allocOn(device, shapeSize(dims), true), dims, options.requiresGrad ?? false);
  }

  static full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
    const t = Tensor.zeros(shape, options);
    fillStorage(t.storage, value);
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
    checkStridedView(dims, a.stride, a.offset, a.data.length, 'nd');
    const n = shapeSize(dims);
    const contiguous = dims.every((_, i) => a.stride[i] === shapeSize(dims.slice(i + 1)));
    const device = checkDevice(options.device);
    if (device === 'cuda') {
      const host = Tensor.fromNdarray(nd, { requiresGrad: false });
      return Tensor.from(host.data, dims, { device, requiresGrad: options.requiresGrad ?? false });
    }
    if (a.data instanceof Float32Array && contiguous && a.offset === 0 && a.data.length === n) {
      return new Tensor(a.data, dims, options.requiresGrad ?? false, device);
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
    return new Tensor(out, dims, options.requiresGrad ?? false, device);
  }

  get numel(): number {
    return shapeSize(this.shape);
  }

  get ndim(): number {
    return this.shape.length;
  }

  // A copy of the values (row-major); from a cuda tensor, one counted device-to-host copy.
  toFloat32Array(): Float32Array {
    if (this.device === 'cuda') {
      const out = new Float32Array(this.numel);
      copyStorage(out, this.deviceBuffer!);
      return out;
    }
    return new Float32Array(this.data);
  }

  // An ndarray over the same memory (no copy; a cuda tensor is copied to the host first).
  toNdarray(): NdarrayLike {
    return ndarray(this.device === 'cuda' ? this.toFloat32Array() : this.data, [...this.shape]);
  }

  item(): number {
    if (this.numel !== 1) fail('range', 'a tensor of one element', 'item()', `shape [${this.shape.join(', ')}]`);
    return this.device === 'cuda' ? this.toFloat32Array()[0] : this.data[0];
  }

  clone(): Tensor {
    const buf = allocOn(this.device, this.numel, false);
    copyStorage(buf, this.storage);
    return new Tensor(buf, this.shape, false, this.device);
  }

  // Copies the values of `src` (same number of elements, either device) into this tensor's
  // storage, in place: loading weights keeps the layers' parameter references.
  copyFrom(src: Tensor): void {
    if (src.numel !== this.numel) {
      fail('range', `a tensor of ${this.numel} elements`, 'src', describe(src));
    }
    copyStorage(this.storage, src.storage);
  }

  // Same values, cut from the tape.
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, false, this.device);
  }

  // This tensor on `device`: itself when already there, else a counted copy. Differentiable
  // like torch's .to() (the gradient goes back to this device); detach() first for a leaf.
  to(device: Device): Tensor {
    const target = checkDevice(device);
    if (target === this.device) return this;
    const buf = allocOn(target, this.numel, false);
    copyStorage(buf, this.storage);
    const out = new Tensor(buf, this.shape, false);
    return record(out, 'to', [this], { from: this.device });
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
      g = Tensor.ones(this.shape, { device: this.device });
    } else {
      if (!(grad instanceof Tensor)) fail('type', 'a Tensor', 'grad', describe(grad));
      if (grad.shape.length !== this.shape.length || grad.shape.some((s, i) => s !== this.shape[i])) {
        fail('range', `shape [${this.shape.join(', ')}]`, 'grad', `shape [${grad.shape.join(', ')}]`);
      }
      g = grad;
    }
    runBackward(this, g);
    // The seed of ones was ours: the leaves hold clones, and the tape freed what it made from it.
    if (g !== grad) g.dispose();
  }

  // Drops the gradient and frees its buffer (back to the caching pool now, not when the garbage
  // collector finds it: a loop that never yields to the event loop never runs the finalizers,
  // so every step's gradients were fresh memory). Clone a gradient to keep it past this.
  zeroGrad(): void {
    const g = this.grad;
    this.grad = null;
    g?.dispose();
  }

  // Marks tensors for errors.describe(), which cannot import this module.
  get [TENSOR_BRAND](): true {
    return true;
  }

  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}], device=${this.device}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

export { isGradEnabled };

// The gradient of Tensor.to, registered here rather than in a file beside it (that file would
// import Tensor and be imported by this one: a circle). dx = dy moved back to x's device.
declare module './gradients' {
  interface SavedByOp {
    to: { from: Device };
  }
}
registerGradient('to', (dy: Tensor, { from }) => [dy.to(from)]);
