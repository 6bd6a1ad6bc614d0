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

/* OpenCL's name for a byte, used by the data kernels. */
typedef unsigned char uchar;

/* ---- Kernels, address spaces, thread indices and barriers ----
 * A kernel is written `KERNEL void name(GLOBAL float* x, int x_off, ...)`. Group-shared arrays are
 * declared at the kernel's outermost scope as `LOCAL float tile[N];` and handed to helper functions
 * as `LOCAL_PTR float*`. extern "C" keeps the entry points' names unmangled for cuModuleGetFunction.
 */
#define KERNEL extern "C" __global__
#define GLOBAL
#define LOCAL __shared__
#define LOCAL_PTR

/* Thread index within its block, block index within the grid, and their extents (x and y). */
#define LOCAL_ID_X ((int)threadIdx.x)
#define LOCAL_ID_Y ((int)threadIdx.y)
#define GROUP_ID_X ((int)blockIdx.x)
#define GROUP_ID_Y ((int)blockIdx.y)
#define LOCAL_SIZE_X ((int)blockDim.x)
#define LOCAL_SIZE_Y ((int)blockDim.y)
#define GLOBAL_ID_X ((int)(blockIdx.x * blockDim.x + threadIdx.x))
#define GLOBAL_ID_Y ((int)(blockIdx.y * blockDim.y + threadIdx.y))

/* Every thread of the block waits here; shared-memory writes before it are visible after it. */
#define BARRIER() __syncthreads()
