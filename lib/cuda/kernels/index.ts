// Every CUDA kernel group. Each op module imports its own group (lib/ops/<op>.ts imports
// ../cuda/kernels/<group>), which registers its kernels under the CPU kernels' names when it
// loads; importing this module loads them all (tests, benchmarks). Registration calls nothing
// native: a machine without CUDA only fails when a cuda tensor is made (requireCuda).
import './conv';
import './elementwise';
import './layers';
import './loss';
import './optim';
