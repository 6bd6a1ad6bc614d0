/*
 * prelude_opencl.h — maps the portable device dialect onto OpenCL C 1.2.
 * Build the program with -cl-fp32-correctly-rounded-divide-sqrt and no relaxed-math flag.
 */
#pragma OPENCL FP_CONTRACT OFF

/* A device helper function. */
#define DEVICE_FN static inline

/* One fused multiply-add, one rounding (float overload of fma). */
#define FMA(a, b, c) fma((a), (b), (c))

/* Correctly rounded square root (given -cl-fp32-correctly-rounded-divide-sqrt). */
#define SQRT(x) sqrt(x)

/* Exact bit casts between float and 32-bit integers. */
#define AS_INT(f) as_int(f)
#define AS_UINT(f) as_uint(f)
#define AS_FLOAT(i) as_float(i)

/* High 32 bits of the 64-bit product of two 32-bit unsigned integers. */
#define UMULHI(a, b) mul_hi((uint)(a), (uint)(b))

/* ---- Kernels, address spaces, thread indices and barriers ----
 * A kernel is written `KERNEL void name(GLOBAL float* x, int x_off, ...)`. Group-shared arrays are
 * declared at the kernel's outermost scope as `LOCAL float tile[N];` and handed to helper functions
 * as `LOCAL_PTR float*`. Indices are ints (every buffer the host passes has fewer than 2^31 elements).
 */
#define KERNEL __kernel
#define GLOBAL __global
#define LOCAL __local
#define LOCAL_PTR __local

/* Thread index within its group, group index within the grid, and their extents (x and y). */
#define LOCAL_ID_X ((int)get_local_id(0))
#define LOCAL_ID_Y ((int)get_local_id(1))
#define GROUP_ID_X ((int)get_group_id(0))
#define GROUP_ID_Y ((int)get_group_id(1))
#define LOCAL_SIZE_X ((int)get_local_size(0))
#define LOCAL_SIZE_Y ((int)get_local_size(1))
#define GLOBAL_ID_X ((int)get_global_id(0))
#define GLOBAL_ID_Y ((int)get_global_id(1))

/* Every thread of the group waits here; local-memory writes before it are visible after it. */
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
