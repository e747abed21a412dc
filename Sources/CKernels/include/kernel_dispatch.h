#ifndef WEIGHTBRIDGE_KERNEL_DISPATCH_H
#define WEIGHTBRIDGE_KERNEL_DISPATCH_H
// Which instruction set the kernels of this target run. Each kernel is compiled twice, for AVX2 with FMA and for
// baseline x86-64 (SSE2), and chosen at each call by the CPU's features: `__builtin_cpu_supports("avx2")` and
// `("fma")`, not the CPU's model (`target_clones("arch=haswell")` picked the baseline on AMD CPUs).

/// 1 if the kernels run their AVX2 + FMA versions, 0 for the baseline ones.
int weightbridge_kernels_use_avx2_fma(void);

/// Makes every kernel run its baseline x86-64 version (`on` != 0) or go back to choosing by the CPU (`on` == 0),
/// so that tests on an AVX2 machine run the code a CPU without AVX2 would. Not for concurrent use with the kernels.
void weightbridge_kernels_force_baseline(int on);
#endif
