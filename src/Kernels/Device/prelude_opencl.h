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
