// Gradients of add, sub, mul and scale (lib/ops/arith.ts), registered by op name. A broadcast
// input's gradient is summed over its broadcast dims; the number forms (a + 2, a * 2) are
// recorded as addScalar, subScalar, mulScalar and scale: dx = dy * s.
import type { Tensor } from '../tensor';
import { registerGradient } from '../gradients';
import { affineKernel, binaryKernel, reduceToShape } from './broadcast';

// The binary forms save both operands and the broadcast output shape.
interface BinarySaved { a: Tensor; b: Tensor; shape: readonly number[] }
// The number forms save the factor s of y = x * s + c.
interface AffineSaved { s: number }

declare module '../gradients' {
  interface SavedByOp {
    add: BinarySaved;
    sub: BinarySaved;
    mul: BinarySaved;
    addScalar: AffineSaved;
    subScalar: AffineSaved;
    mulScalar: AffineSaved;
    scale: AffineSaved;
  }
}

// da = dy, db = dy (each summed to its operand's shape).
registerGradient('add', (dy: Tensor, { a, b }: BinarySaved) => [
  a.requiresGrad ? reduceToShape(dy, a.shape) : null,
  b.requiresGrad ? reduceToShape(dy, b.shape) : null,
]);

// da = dy, db = -dy.
registerGradient('sub', (dy: Tensor, { a, b }: BinarySaved) => [
  a.requiresGrad ? reduceToShape(dy, a.shape) : null,
  b.requiresGrad ? reduceToShape(affineKernel(dy.device)(dy, -1, 0), b.shape) : null,
]);

// da = dy * b, db = dy * a.
registerGradient('mul', (dy: Tensor, { a, b, shape }: BinarySaved) => {
  const mul = binaryKernel(dy.device);
  return [
    a.requiresGrad ? reduceToShape(mul('mul', dy, b, shape), a.shape) : null,
    b.requiresGrad ? reduceToShape(mul('mul', dy, a, shape), b.shape) : null,
  ];
});

// dx = dy * s (dy itself when s is 1).
function affineGradient(dy: Tensor, { s }: AffineSaved): Tensor[] {
  return [s === 1 ? dy : affineKernel(dy.device)(dy, s, 0)];
}
registerGradient('addScalar', affineGradient);
registerGradient('subScalar', affineGradient);
registerGradient('mulScalar', affineGradient);
registerGradient('scale', affineGradient);
