// The tape: each op's output remembers its inputs, its op's name and what the op saved;
// backward() runs one topological sort from the output (micrograd style), pushes each
// gradient through the op's registered gradient (gradients.ts, looked up by name in
// backwardThrough) and sums gradients that meet. Below tensor.ts: it sees tensors only through
// GradNode (what Tensor provides), and reaches the CUDA sum through the kernel registry.
import { getKernel } from './registry';
import { getGradient, savedOwned, type GradientName, type SavedByOp } from './gradients';

// One op application on the tape: its name (the key of its gradient), its inputs, and what
// the op saved for its gradient.
export interface GradFn<T = GradNode> {
  name: string;
  inputs: readonly (T | null)[];
  saved: unknown;
}

// What the tape needs of a tensor (Tensor implements it).
export interface GradNode {
  readonly shape: readonly number[];
  readonly device: 'cpu' | 'cuda';
  readonly data: Float32Array;
  // True when no other live tensor shares this tensor's buffer (reshape views and detach() do),
  // so the tape may write a dead gradient's sum into it; always false on cuda.
  readonly ownsStorage: boolean;
  requiresGrad: boolean;
  grad: this | null;
  gradFn: GradFn<this> | null;
  clone(): this;
  dispose(): void;
}

type Tensor = GradNode;

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

// Runs fn with the tape switched off (inference, optimizer updates).
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

// Puts `output` on the tape as the result of op `name` if any input needs a gradient; `saved`
// is what the op's registered gradient reads (its type is SavedByOp[name]). When it does not
// (no gradient wanted), what the op made only for its gradient (registerSavedOwned: batch
// norm's statistics, dropout's mask) is freed now: nothing will read it.
export function record<T extends GradNode, K extends GradientName>(
  output: T,
  name: K,
  inputs: readonly (T | null)[],
  saved: SavedByOp[K],
): T {
  if (!gradEnabled || !inputs.some((t) => t !== null && t.requiresGrad)) {
    for (const o of savedOwned(name, saved)) o?.dispose();
    return output;
  }
  output.requiresGrad = true;
  output.gradFn = { name, inputs, saved };
  return output;
}

// The one place a gradient runs: looks up the gradient of the op recorded in `fn` (by name) and
// pushes the upstream gradient `dy` through it (one gradient per recorded input). A hook that
// times or traces backward per op belongs here.
export function backwardThrough<T extends GradNode>(fn: GradFn<T>, dy: T): readonly (T | null | undefined)[] {
  return getGradient(fn.name)(dy, fn.saved) as readonly (T | null | undefined)[];
}

function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS (deep nets overflow a recursive one).
  const stack: { t: Tensor; i: number }[] = [{ t: root, i: 0 }];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top.t.gradFn ? top.t.gradFn.inputs : [];
    if (top.i < inputs.length) {
      const next = inputs[top.i++];
      if (next && next.requiresGrad && !seen.has(next)) {
        seen.add(next);
        stack.push({ t: next, i: 0 });
      }
    } else {
      order.push(top.t);
      stack.pop();
    }
  }
  return order.reverse();
}

// a + b (same shapes and device, no tape), by the backend's gradAccumulate kernel: a new tensor,
// or with `inPlace` written into a's buffer (the caller proves a is dead and alone on it).
// Gradients may be shared between inputs (add passes one tensor to both), so sums are new
// unless the caller says otherwise.
export function addGradients<T extends GradNode>(a: T, b: T, inPlace = false): T {
  if (a.device !== b.device) throw new Error(`internal: gradient accumulation across devices (${a.device} + ${b.device})`);
  // The kernel is typed for Tensor (ops/cpu/broadcast.ts), the T the tape holds.
  return (getKernel('gradAccumulate', a.device) as unknown as (a: T, b: T, inPlace: boolean) => T)(a, b, inPlace);
}

// Pushes `grad` (d loss / d root) back through the tape into every leaf's .grad. Each
// intermediate gradient is freed as soon as it has been pushed through its op (unless it is
// still some other input's pending gradient, or the caller's `grad`).
export function runBackward<T extends GradNode>(root: T, grad: T): void {
  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor>();
  grads.set(root, grad);
  const pending = (g: Tensor): boolean => {
    for (const v of grads.values()) if (v === g) return true;
    return false;
  };
  for (const t of order) {
    const g = grads.get(t);
    if (!g) continue;
    grads.delete(t);
    if (!t.gradFn) {
      // A leaf owns its .grad (optimizers and clipping may scale it in place).
      t.grad = t.grad ? addGradients(t.grad, g) : g.clone();
      if (g !== grad && !pending(g)) g.dispose();
      continue;
    }
    const inputGrads = backwardThrough(t.gradFn, g);
    t.gradFn.inputs.forEach((input, k) => {
      const gi = inputGrads[k];
      if (!input || !input.requiresGrad || !gi) return;
      if (gi.shape.length !== input.shape.length || gi.shape.some((s, d) => s !== input.shape[d])) {
        throw new Error(
          `internal: gradient of ${t.gradFn!.name} input ${k} has shape [${gi.shape}] but the input has [${input.shape}]`,
        );
      }
      const before = grads.get(input);
      grads.delete(input);
      // The pending sum is summed into in place when nothing else can see it: not the caller's
      // gradient, not pending for another input, not one of this op's gradients, no view on it.
      const reuse =
        before !== undefined && before !== grad && before.ownsStorage && !pending(before) && !inputGrads.includes(before);
      const sum = before ? addGradients(before, gi, reuse) : gi;
      grads.set(input, sum);
      // A sum replaces the two it was made of (unless they are still needed elsewhere).
      if (before && sum !== before && before !== grad && !pending(before) && !inputGrads.includes(before)) before.dispose();
      if (sum !== gi && gi !== grad && gi !== g && !pending(gi) && inputGrads.indexOf(gi) === k) gi.dispose();
    });
    if (g !== grad && !pending(g) && !inputGrads.includes(g)) g.dispose();
  }
}

// After backward (and the optimizer step), frees every intermediate tensor of the graph that
// ends at `root` (the op outputs the tape kept for the backward pass) and cuts the tape, so a
// training step's activations go back to the pool at once rather than when V8 collects them.
// Leaves (parameters, inputs) and the tensors in `keep` stay; any other tensor of the graph
// that the caller still holds becomes unreadable.
export function releaseGraph(root: GradNode, keep: readonly GradNode[] = []): void {
  const seen = new Set<Tensor>();
  const stack: Tensor[] = [root];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const fn = t.gradFn;
    if (!fn) continue;  // a leaf
    for (const input of fn.inputs) if (input && !seen.has(input)) stack.push(input);
    for (const o of savedOwned(fn.name, fn.saved)) o?.dispose();
    if (!keep.includes(t)) t.dispose();
    else t.gradFn = null;
  }
}
