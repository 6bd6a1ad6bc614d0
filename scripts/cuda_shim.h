/*
 * cuda_shim.h — just enough of the CUDA runtime headers for clang to compile the engine's CUDA
 * dialect without a CUDA toolkit (check-cuda-dialect.sh, `-nocudainc -nocudalib`). NVRTC provides
 * all of these itself; here each is mapped onto the clang attribute or NVPTX builtin it stands for,
 * so the check sees the same language rules NVRTC applies (C++, address spaces, device-only code).
 */
#ifndef ILGPUVAE_CUDA_SHIM_H
#define ILGPUVAE_CUDA_SHIM_H

#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __shared__ __attribute__((shared))
#define __forceinline__ __inline__ __attribute__((always_inline))

/* threadIdx.x and friends: a small struct built from the PTX special registers. */
struct ilgpuvae_shim_dim3
{
    unsigned int x, y, z;
};

__device__ __forceinline__ ilgpuvae_shim_dim3 ilgpuvae_shim_tid()
{
    return {(unsigned int)__nvvm_read_ptx_sreg_tid_x(), (unsigned int)__nvvm_read_ptx_sreg_tid_y(), (unsigned int)__nvvm_read_ptx_sreg_tid_z()};
}

__device__ __forceinline__ ilgpuvae_shim_dim3 ilgpuvae_shim_ctaid()
{
    return {(unsigned int)__nvvm_read_ptx_sreg_ctaid_x(), (unsigned int)__nvvm_read_ptx_sreg_ctaid_y(), (unsigned int)__nvvm_read_ptx_sreg_ctaid_z()};
}

__device__ __forceinline__ ilgpuvae_shim_dim3 ilgpuvae_shim_ntid()
{
    return {(unsigned int)__nvvm_read_ptx_sreg_ntid_x(), (unsigned int)__nvvm_read_ptx_sreg_ntid_y(), (unsigned int)__nvvm_read_ptx_sreg_ntid_z()};
}

__device__ __forceinline__ ilgpuvae_shim_dim3 ilgpuvae_shim_nctaid()
{
    return {(unsigned int)__nvvm_read_ptx_sreg_nctaid_x(), (unsigned int)__nvvm_read_ptx_sreg_nctaid_y(), (unsigned int)__nvvm_read_ptx_sreg_nctaid_z()};
}

#define threadIdx ilgpuvae_shim_tid()
#define blockIdx ilgpuvae_shim_ctaid()
#define blockDim ilgpuvae_shim_ntid()
#define gridDim ilgpuvae_shim_nctaid()

/* Barrier of the block (bar.sync 0). */
#define __syncthreads() __nvvm_bar_sync(0)

/* Correctly rounded arithmetic and exact bit casts, as the CUDA math headers define them. */
#define __fmaf_rn(a, b, c) __nvvm_fma_rn_f((a), (b), (c))
#define __fsqrt_rn(x) __nvvm_sqrt_rn_f(x)
#define __int_as_float(i) __nvvm_bitcast_i2f(i)
#define __float_as_int(f) __nvvm_bitcast_f2i(f)
#define __float_as_uint(f) ((unsigned int)__nvvm_bitcast_f2i(f))
#define __umulhi(a, b) __nvvm_mulhi_ui((a), (b))

#endif /* ILGPUVAE_CUDA_SHIM_H */
