#ifndef WEIGHTBRIDGE_CGZIP_SHIM_H
#define WEIGHTBRIDGE_CGZIP_SHIM_H
#include <zlib.h>
// inflateInit2 and deflateInit2 are macros; wrap them so Swift can call them.
static inline int wb_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
static inline int wb_deflateInit2(z_streamp strm, int level, int windowBits, int memLevel) {
    return deflateInit2(strm, level, Z_DEFLATED, windowBits, memLevel, Z_DEFAULT_STRATEGY);
}
#endif
