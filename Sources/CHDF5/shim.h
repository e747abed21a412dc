#ifndef WEIGHTBRIDGE_CHDF5_SHIM_H
#define WEIGHTBRIDGE_CHDF5_SHIM_H
#include <hdf5.h>
#include <H5PLpublic.h>

// libhdf5 exposes these as macros (often expanding to globals that only exist
// after H5open()), which Swift cannot import. Call wb_h5_open() first.
static inline herr_t wb_h5_open(void) { return H5open(); }
static inline hid_t wb_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline unsigned wb_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned wb_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline unsigned wb_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned wb_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline hid_t wb_H5S_ALL(void) { return H5S_ALL; }
static inline hid_t wb_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t wb_H5P_FILE_CREATE(void) { return H5P_FILE_CREATE; }
static inline hid_t wb_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t wb_H5P_DATASET_ACCESS(void) { return H5P_DATASET_ACCESS; }
static inline hid_t wb_H5P_LINK_ACCESS(void) { return H5P_LINK_ACCESS; }
static inline hid_t wb_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline haddr_t wb_HADDR_UNDEF(void) { return HADDR_UNDEF; }
static inline hid_t wb_H5P_GROUP_CREATE(void) { return H5P_GROUP_CREATE; }
static inline hid_t wb_H5P_ATTRIBUTE_CREATE(void) { return H5P_ATTRIBUTE_CREATE; }
static inline hid_t wb_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline size_t wb_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline hsize_t wb_H5S_UNLIMITED(void) { return H5S_UNLIMITED; }

static inline hid_t wb_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t wb_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t wb_H5T_NATIVE_INT8(void) { return H5T_NATIVE_INT8; }
static inline hid_t wb_H5T_NATIVE_INT16(void) { return H5T_NATIVE_INT16; }
static inline hid_t wb_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t wb_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t wb_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t wb_H5T_NATIVE_UINT16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t wb_H5T_NATIVE_UINT32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t wb_H5T_NATIVE_UINT64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t wb_H5T_NATIVE_HBOOL(void) { return H5T_NATIVE_HBOOL; }
static inline hid_t wb_H5T_C_S1(void) { return H5T_C_S1; }
static inline hid_t wb_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t wb_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t wb_H5T_STD_I32LE(void) { return H5T_STD_I32LE; }
static inline hid_t wb_H5T_STD_I64LE(void) { return H5T_STD_I64LE; }
static inline hid_t wb_H5T_STD_U8LE(void) { return H5T_STD_U8LE; }
#endif
