#include "kernel_dispatch.h"

static int forced_baseline = 0;

int weightbridge_kernels_use_avx2_fma(void) {
    static int supported = -1;
    if (supported < 0) supported = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return supported && !forced_baseline;
}

void weightbridge_kernels_force_baseline(int on) { forced_baseline = on != 0; }
