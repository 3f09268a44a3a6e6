// Gradient registry keyed by op name (as tfjs-core registers gradients by kernel name), below
// tensor.ts. An op records its name and what it saved on the tape (autograd.ts record); the
// op's gradient, registered once in lib/ops/<op>.grad.ts beside it, maps (upstream gradient,
// saved) to one gradient per recorded input. Duplicates throw; backward on an op without one
// throws naming the op.
// What each op saves for its gradient, by op name. Each <op>.grad.ts adds its entries by
// declaration merging (`declare module '../gradients' { interface SavedByOp { ... } }`), so
// record() and registerGradient() are checked against the same type.
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface SavedByOp {}

export type GradientName = keyof SavedByOp & string;

// One gradient per recorded input (null or undefined where an input needs none).
export type GradientFn<S, T = unknown> = (dy: T, saved: S) => readonly (T | null | undefined)[];

const gradients = new Map<string, GradientFn<unknown>>();

// T is the tensor type the gradient works on (Tensor, from the ops); the tape passes it back.
export function registerGradient<K extends GradientName, T>(op: K, fn: GradientFn<SavedByOp[K], T>): void {
  if (gradients.has(op)) throw new Error(`a gradient for ${op} is already registered`);
  gradients.set(op, fn as GradientFn<unknown>);
}

export function getGradient(op: string): GradientFn<unknown> {
  const fn = gradients.get(op);
  if (!fn) {
    throw new Error(`no gradient is registered for op ${op} (register one with registerGradient('${op}', ...) beside the op)`);
  }
  return fn;
}

export function hasGradient(op: string): boolean {
  return gradients.has(op);
}

export function listGradients(): string[] {
  return [...gradients.keys()].sort();
}

// Tensors an op made only for its gradient (batch norm's statistics, a loss's precomputed
// gradient, dropout's mask), by op name: releaseGraph frees them with the op's output, so a
// loop that never yields to the event loop (no finalizers run) does not keep them.
export interface Disposable { dispose(): void }
type OwnedFn = (saved: unknown) => readonly (Disposable | null | undefined)[];
const owned = new Map<string, OwnedFn>();

export function registerSavedOwned<K extends GradientName>(
  op: K, fn: (saved: SavedByOp[K]) => readonly (Disposable | null | undefined)[],
): void {
  if (owned.has(op)) throw new Error(`the saved tensors of ${op} are already registered`);
  owned.set(op, fn as OwnedFn);
}

// What the op recorded as `op` owns in `saved` (none for ops that registered nothing).
export function savedOwned(op: string, saved: unknown): readonly (Disposable | null | undefined)[] {
  const fn = owned.get(op);
  return fn ? fn(saved) : [];
}
