// Test-only: whether CUDA tests can run here, and the reason printed when they skip.
import { capabilities } from '../../lib/capabilities';

export function cudaSkipReason(): string | false {
  const c = capabilities().cuda;
  if (c.available) return false;
  return `no usable CUDA GPU (${c.built ? 'built with CUDA' : 'built without CUDA'}; ${c.reason ?? 'no reason given'})`;
}
