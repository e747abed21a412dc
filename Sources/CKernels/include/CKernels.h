// The CKernels module's umbrella header: every public header, listed, so that adding one changes this file and
// rebuilds the module for builds that have it cached (a directory umbrella kept a stale module in existing builds).
#include "kernel_dispatch.h"
#include "one_channel_convolution.h"
#include "parallel_for.h"
#include "sparse_input_product.h"
#include "winograd.h"
