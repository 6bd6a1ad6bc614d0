using System.Runtime.InteropServices;

namespace IlgpuVae.Engine.Accelerators.OpenCl;

/// <summary>
/// Every native OpenCL entry point the engine uses, and the constants that go with them: the only file
/// that touches libOpenCL. The ICD loader is opened with <see cref="NativeLibrary"/> and each function is
/// bound as an unmanaged function pointer, so a machine without OpenCL gets a reason
/// (<see cref="LoadError"/>) instead of a <see cref="DllNotFoundException"/> at the first call.
/// Only OpenCL 1.2 API is used (the version every current driver implements).
/// </summary>
internal static unsafe class OpenClNative
{
    // ---- info and flag constants (OpenCL 1.2 specification, cl.h) ----
    public const uint PlatformVersion = 0x0901;
    public const uint PlatformName = 0x0902;
    public const uint PlatformVendor = 0x0903;

    public const ulong DeviceTypeAll = 0xFFFFFFFF;
    public const ulong DeviceTypeDefault = 1 << 0;
    public const ulong DeviceTypeCpu = 1 << 1;
    public const ulong DeviceTypeGpu = 1 << 2;
    public const ulong DeviceTypeAccelerator = 1 << 3;
    public const ulong DeviceTypeCustom = 1 << 4;

    public const uint DeviceType = 0x1000;
    public const uint DeviceMaxComputeUnits = 0x1002;
    public const uint DeviceMaxWorkGroupSize = 0x1004;
    public const uint DeviceMaxClockFrequency = 0x100C;
    public const uint DeviceMaxMemAllocSize = 0x1010;
    public const uint DeviceSingleFpConfig = 0x101B;
    public const uint DeviceGlobalMemSize = 0x101F;
    public const uint DeviceLocalMemSize = 0x1023;
    public const uint DeviceAvailable = 0x1027;
    public const uint DeviceCompilerAvailable = 0x1028;
    public const uint DeviceName = 0x102B;
    public const uint DeviceVendor = 0x102C;
    public const uint DriverVersion = 0x102D;
    public const uint DeviceVersion = 0x102F;
    public const uint DeviceOpenClCVersion = 0x103D;

    public const ulong FpDenorm = 1 << 0;
    public const ulong FpFma = 1 << 5;
    public const ulong FpCorrectlyRoundedDivideSqrt = 1 << 7;

    public const nint ContextPlatform = 0x1084;
    public const ulong MemReadWrite = 1 << 0;
    public const uint ProgramBuildLog = 0x1183;
    public const uint KernelWorkGroupSize = 0x11B0;

    public const int Success = 0;
    public const int DeviceNotFound = -1;
    public const int PlatformNotFoundKhr = -1001;

    // ---- entry points ----
    public static delegate* unmanaged<uint, nint*, uint*, int> clGetPlatformIDs;
    public static delegate* unmanaged<nint, uint, nuint, void*, nuint*, int> clGetPlatformInfo;
    public static delegate* unmanaged<nint, ulong, uint, nint*, uint*, int> clGetDeviceIDs;
    public static delegate* unmanaged<nint, uint, nuint, void*, nuint*, int> clGetDeviceInfo;
    public static delegate* unmanaged<nint*, uint, nint*, nint, nint, int*, nint> clCreateContext;
    public static delegate* unmanaged<nint, nint, ulong, int*, nint> clCreateCommandQueue;
    public static delegate* unmanaged<nint, ulong, nuint, void*, int*, nint> clCreateBuffer;
    public static delegate* unmanaged<nint, nint, uint, nuint, nuint, void*, uint, nint*, nint*, int> clEnqueueWriteBuffer;
    public static delegate* unmanaged<nint, nint, uint, nuint, nuint, void*, uint, nint*, nint*, int> clEnqueueReadBuffer;
    public static delegate* unmanaged<nint, nint, void*, nuint, nuint, nuint, uint, nint*, nint*, int> clEnqueueFillBuffer;
    public static delegate* unmanaged<nint, uint, byte**, nuint*, int*, nint> clCreateProgramWithSource;
    public static delegate* unmanaged<nint, uint, nint*, byte*, nint, nint, int> clBuildProgram;
    public static delegate* unmanaged<nint, nint, uint, nuint, void*, nuint*, int> clGetProgramBuildInfo;
    public static delegate* unmanaged<nint, byte*, int*, nint> clCreateKernel;
    public static delegate* unmanaged<nint, uint, nuint, void*, int> clSetKernelArg;
    public static delegate* unmanaged<nint, nint, uint, nuint, void*, nuint*, int> clGetKernelWorkGroupInfo;
    public static delegate* unmanaged<nint, nint, uint, nuint*, nuint*, nuint*, uint, nint*, nint*, int> clEnqueueNDRangeKernel;
    public static delegate* unmanaged<nint, int> clFlush;
    public static delegate* unmanaged<nint, int> clFinish;
    public static delegate* unmanaged<nint, int> clReleaseMemObject;
    public static delegate* unmanaged<nint, int> clReleaseKernel;
    public static delegate* unmanaged<nint, int> clReleaseProgram;
    public static delegate* unmanaged<nint, int> clReleaseCommandQueue;
    public static delegate* unmanaged<nint, int> clReleaseContext;

    private static readonly Lazy<string?> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Why OpenCL cannot be used (library or entry point missing), or null once every function is bound.</summary>
    public static string? LoadError => Loaded.Value;

    /// <summary>The library names tried, in order.</summary>
    private static readonly string[] LibraryNames =
        OperatingSystem.IsWindows() ? ["OpenCL.dll"]
        : OperatingSystem.IsMacOS() ? ["/System/Library/Frameworks/OpenCL.framework/OpenCL"]
        : ["libOpenCL.so.1", "libOpenCL.so"];

    private static string? Load()
    {
        nint library = 0;
        foreach (var name in LibraryNames)
            if (NativeLibrary.TryLoad(name, out library)) break;
        if (library == 0)
            return $"the OpenCL ICD loader ({LibraryNames[0]}) is not installed (on Debian/Ubuntu: apt install ocl-icd-libopencl1 and a driver, e.g. pocl-opencl-icd)";
        try
        {
            clGetPlatformIDs = (delegate* unmanaged<uint, nint*, uint*, int>)Bind(library, "clGetPlatformIDs");
            clGetPlatformInfo = (delegate* unmanaged<nint, uint, nuint, void*, nuint*, int>)Bind(library, "clGetPlatformInfo");
            clGetDeviceIDs = (delegate* unmanaged<nint, ulong, uint, nint*, uint*, int>)Bind(library, "clGetDeviceIDs");
            clGetDeviceInfo = (delegate* unmanaged<nint, uint, nuint, void*, nuint*, int>)Bind(library, "clGetDeviceInfo");
            clCreateContext = (delegate* unmanaged<nint*, uint, nint*, nint, nint, int*, nint>)Bind(library, "clCreateContext");
            clCreateCommandQueue = (delegate* unmanaged<nint, nint, ulong, int*, nint>)Bind(library, "clCreateCommandQueue");
            clCreateBuffer = (delegate* unmanaged<nint, ulong, nuint, void*, int*, nint>)Bind(library, "clCreateBuffer");
            clEnqueueWriteBuffer = (delegate* unmanaged<nint, nint, uint, nuint, nuint, void*, uint, nint*, nint*, int>)Bind(library, "clEnqueueWriteBuffer");
            clEnqueueReadBuffer = (delegate* unmanaged<nint, nint, uint, nuint, nuint, void*, uint, nint*, nint*, int>)Bind(library, "clEnqueueReadBuffer");
            clEnqueueFillBuffer = (delegate* unmanaged<nint, nint, void*, nuint, nuint, nuint, uint, nint*, nint*, int>)Bind(library, "clEnqueueFillBuffer");
            clCreateProgramWithSource = (delegate* unmanaged<nint, uint, byte**, nuint*, int*, nint>)Bind(library, "clCreateProgramWithSource");
            clBuildProgram = (delegate* unmanaged<nint, uint, nint*, byte*, nint, nint, int>)Bind(library, "clBuildProgram");
            clGetProgramBuildInfo = (delegate* unmanaged<nint, nint, uint, nuint, void*, nuint*, int>)Bind(library, "clGetProgramBuildInfo");
            clCreateKernel = (delegate* unmanaged<nint, byte*, int*, nint>)Bind(library, "clCreateKernel");
            clSetKernelArg = (delegate* unmanaged<nint, uint, nuint, void*, int>)Bind(library, "clSetKernelArg");
            clGetKernelWorkGroupInfo = (delegate* unmanaged<nint, nint, uint, nuint, void*, nuint*, int>)Bind(library, "clGetKernelWorkGroupInfo");
            clEnqueueNDRangeKernel = (delegate* unmanaged<nint, nint, uint, nuint*, nuint*, nuint*, uint, nint*, nint*, int>)Bind(library, "clEnqueueNDRangeKernel");
            clFlush = (delegate* unmanaged<nint, int>)Bind(library, "clFlush");
            clFinish = (delegate* unmanaged<nint, int>)Bind(library, "clFinish");
            clReleaseMemObject = (delegate* unmanaged<nint, int>)Bind(library, "clReleaseMemObject");
            clReleaseKernel = (delegate* unmanaged<nint, int>)Bind(library, "clReleaseKernel");
            clReleaseProgram = (delegate* unmanaged<nint, int>)Bind(library, "clReleaseProgram");
            clReleaseCommandQueue = (delegate* unmanaged<nint, int>)Bind(library, "clReleaseCommandQueue");
            clReleaseContext = (delegate* unmanaged<nint, int>)Bind(library, "clReleaseContext");
            return null;
        }
        catch (EntryPointNotFoundException e)
        {
            return $"the OpenCL library lacks {e.Message} (an OpenCL 1.2 ICD loader is needed)";
        }
    }

    private static nint Bind(nint library, string name) =>
        NativeLibrary.TryGetExport(library, name, out nint address) ? address : throw new EntryPointNotFoundException(name);
}
