// The tape: each op's output remembers its inputs and how to push a gradient back to them;
// backward() runs one topological sort from the output (micrograd style).
import type { Tensor } from './tensor';

export interface GradFn {
  name: string;
  inputs: readonly (Tensor | null)[];
  // Returns one gradient per input (null where an input needs none).
  backward(gradOutput: Tensor): readonly (Tensor | null | undefined)[];
}

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

// Attaches a backward function to `output` if any input needs a gradient.
export function record(
  output: Tensor,
  name: string,
  inputs: readonly (Tensor | null)[],
  backward: (gradOutput: Tensor) => readonly (Tensor | null | undefined)[],
): Tensor {
  if (!gradEnabled) return output;
  if (!inputs.some((t) => t !== null && t.requiresGrad)) return output;
  output.requiresGrad = true;
  output.gradFn = { name, inputs, backward };
  return output;
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

// Gradients may be shared between inputs (add passes one tensor to both), so sums are new.
function accumulate(into: Tensor | undefined, g: Tensor): Tensor {
  if (!into) return g;
  return into.plusForGrad(g);
}

// Pushes `grad` (d loss / d root) back through the tape into every leaf's .grad.
export function runBackward(root: Tensor, grad: Tensor): void {
  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor>();
  grads.set(root, grad);
  for (const t of order) {
    const g = grads.get(t);
    if (!g) continue;
    grads.delete(t);
    if (!t.gradFn) {
      // A leaf owns its .grad (optimizers and clipping may scale it in place).
      t.grad = t.grad ? t.grad.plusForGrad(g) : g.clone();
      continue;
    }
    const inputGrads = t.gradFn.backward(g);
    t.gradFn.inputs.forEach((input, k) => {
      const gi = inputGrads[k];
      if (!input || !input.requiresGrad || !gi) return;
      if (gi.shape.length !== input.shape.length || gi.shape.some((s, d) => s !== input.shape[d])) {
        throw new Error(
          `internal: gradient of ${t.gradFn!.name} input ${k} has shape [${gi.shape}] but the input has [${input.shape}]`,
        );
      }
      grads.set(input, accumulate(grads.get(input), gi));
    });
  }
}
