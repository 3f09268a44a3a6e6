// Run-time ISA dispatch for simple kernels: one portable body compiled three times
// (AVX-512, AVX2+FMA, baseline) so the compiler vectorises it for each; simdLevel() picks.
#pragma once
#include "cpu_features.h"

// The body must be a static inline function `name##Body` (inlined into each clone, where it
// is vectorised for that clone's ISA). Declares `name##Dispatch(params)` calling the best one.
#define FTM_ALWAYS_INLINE inline __attribute__((always_inline))

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FTM_MULTIVERSION(name, params, args)                                                   \
  __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,prefer-vector-width=512")))       \
  static void name##Avx512 params { name##Body args; }                                         \
  FTM_MULTIVERSION_OWN_AVX512(name, params, args)

// The same with an AVX-512 clone written by hand: `name##Avx512(params)` must be declared before
// (inside #if defined(__x86_64__)); the AVX2 and baseline clones still compile name##Body.
#define FTM_MULTIVERSION_OWN_AVX512(name, params, args)                                        \
  __attribute__((target("avx2,fma"))) static void name##Avx2 params { name##Body args; }      \
  static void name##Baseline params { name##Body args; }                                       \
  static void name##Dispatch params {                                                          \
    switch (::ftm::simdLevel()) {                                                              \
      case ::ftm::SimdLevel::Avx512: name##Avx512 args; break;                                 \
      case ::ftm::SimdLevel::Avx2: name##Avx2 args; break;                                     \
      default: name##Baseline args; break;                                                     \
    }                                                                                          \
  }
#else
#define FTM_MULTIVERSION(name, params, args) \
  static void name##Dispatch params { name##Body args; }
#define FTM_MULTIVERSION_OWN_AVX512(name, params, args) FTM_MULTIVERSION(name, params, args)
#endif
