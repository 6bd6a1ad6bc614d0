/*
 * prelude_cuda.h — maps the portable device dialect onto CUDA C (NVRTC).
 * Compile with --fmad=false --prec-div=true --prec-sqrt=true --ftz=false, never fast math.
 */
typedef unsigned int uint;

/* A device helper function. */
#define DEVICE_FN __device__ __forceinline__

/* One fused multiply-add, one rounding (round to nearest even). */
#define FMA(a, b, c) __fmaf_rn((a), (b), (c))

/* Correctly rounded square root. */
#define SQRT(x) __fsqrt_rn(x)

/* Exact bit casts between float and 32-bit integers. */
#define AS_INT(f) __float_as_int(f)
#define AS_UINT(f) __float_as_uint(f)
#define AS_FLOAT(i) __int_as_float(i)

/* High 32 bits of the 64-bit product of two 32-bit unsigned integers. */
#define UMULHI(a, b) __umulhi((uint)(a), (uint)(b))
