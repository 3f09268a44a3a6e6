// Freeing the temporaries of an inference forward pass (training and ONNX export leave them
// to the tape and the tracer). Used by the layers, the blocks and the model.
import { Tensor, isGradEnabled } from '../tensor';
import { isTracing } from '../trace';

// No tape and no tracer: nothing can hold on to a forward pass's temporaries.
export function inInference(): boolean {
  return !isGradEnabled() && !isTracing();
}

// Frees a temporary of an inference forward pass as soon as it is consumed, so the next op
// reuses its (cache-warm) buffer and memory never piles up until V8 collects: with a tape or a
// tracer active nothing is freed. `keep` lists tensors that may be the same object (inputs,
// results) and must survive.
export function releaseTemporary(t: Tensor, ...keep: Tensor[]): void {
  if (inInference() && !keep.includes(t)) t.dispose();
}
