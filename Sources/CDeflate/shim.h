#ifndef WEIGHTBRIDGE_CDEFLATE_SHIM_H
#define WEIGHTBRIDGE_CDEFLATE_SHIM_H
// libdeflate: whole-buffer DEFLATE compression and decompression, and CRC-32 (Debian libdeflate-dev).
// Its header declares plain functions and enums only; no macro needs a wrapper.
#include <libdeflate.h>
#endif
