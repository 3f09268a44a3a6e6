// Layer rules of lib/ (README "Where things are"), checked by test/architecture.test.ts:
//   errors, registry, gradients, storage (+ cuda/device, the addon gateway native.ts), autograd, tensor, trace
//   <- ops (lib/ops with their gradients lib/ops/<op>.grad.ts, CPU bindings lib/ops/cpu, CUDA twins lib/cuda/kernels)
//   <- nn <- model <- train, eval, onnx, report <- cli.
// lib/data stands beside nn (images and samples, no tensors of the training code).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import circles in lib/ (type-only imports included).',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'model-nn-data-not-train',
      severity: 'error',
      comment: 'lib/model, lib/nn and lib/data never import the training code.',
      from: { path: '^lib/(model|nn|data)/' },
      to: { path: '^lib/train/' },
    },
    {
      name: 'gateway-only-from-ops-and-storage',
      severity: 'error',
      comment: 'Only the ops (lib/ops, lib/cuda/kernels) and the storage layer (storage.ts, cuda/device.ts, capabilities.ts) touch the addon gateway lib/native.ts.',
      from: { path: '^lib/', pathNot: '^lib/(ops/|cuda/|storage\\.ts$|capabilities\\.ts$|native\\.ts$)' },
      to: { path: '^lib/native\\.ts$' },
    },
    {
      name: 'core-below-ops',
      severity: 'error',
      comment: 'errors, registry, gradients, storage, autograd, tensor, trace and cuda/device sit below the ops and import nothing above them.',
      from: { path: '^lib/(errors|registry|gradients|storage|autograd|tensor|trace|native)\\.ts$|^lib/cuda/device\\.ts$' },
      to: { path: '^lib/(ops|nn|model|train|data|eval|onnx|report|cli|cuda/kernels)/' },
    },
    {
      name: 'bottom-of-core',
      severity: 'error',
      comment: 'errors, registry, gradients, storage and autograd sit below tensor.ts.',
      from: { path: '^lib/(errors|registry|gradients|storage|autograd)\\.ts$' },
      to: { path: '^lib/tensor\\.ts$' },
    },
    {
      name: 'ops-below-nn',
      severity: 'error',
      comment: 'The ops (and their CPU/CUDA kernels) never import layers, the model or anything above.',
      from: { path: '^lib/(ops|cuda/kernels)/' },
      to: { path: '^lib/(nn|model|train|data|eval|onnx|report|cli)/' },
    },
    {
      name: 'nn-below-model',
      severity: 'error',
      from: { path: '^lib/nn/' },
      to: { path: '^lib/(model|train|data|eval|onnx|report|cli)/' },
    },
    {
      name: 'cpu-bindings-below-ops',
      severity: 'error',
      comment: 'A CPU binding or CUDA twin never imports an op module (the op imports its kernels).',
      from: { path: '^lib/(ops/cpu|cuda/kernels)/' },
      to: { path: '^lib/ops/[^/]+\\.ts$' },
    },
    {
      name: 'profile-only-from-cli-and-index',
      severity: 'error',
      comment: 'The profiler (lib/profile) sits above the model and training code; only the CLI and the public API import it (the registry holds only its slot).',
      from: { path: '^lib/', pathNot: '^lib/(profile/|cli/|index\\.ts$)' },
      to: { path: '^lib/profile/' },
    },
    {
      name: 'lib-not-tests',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|build|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};
