using System.Runtime.InteropServices;

namespace IlgpuVae.Engine.Distributed.Mpi;

/// <summary>The two ABI families of MPI libraries on Linux, which differ in how handles are represented.</summary>
internal enum MpiFlavor
{
    /// <summary>MPICH and its ABI family (Intel MPI, MVAPICH, Cray MPICH): handles are C ints with fixed values.</summary>
    Mpich,

    /// <summary>Open MPI: handles are the addresses of structures the library exports.</summary>
    OpenMpi,
}

/// <summary>
/// The MPI library, found and loaded at run time (the engine ships no MPI of its own, and must run on machines
/// without one), and the few functions of it that data-parallel training calls, as unmanaged function pointers.
/// </summary>
/// <remarks>
/// Handles are passed as <see cref="nint"/> for both families: MPICH's are C ints, and on the 64-bit Linux ABIs
/// .NET runs on (x86-64 System V and AArch64) an int argument travels in a full register or stack slot whose
/// upper half the callee does not read, so the handle's value widened to 64 bits is the same argument.
/// </remarks>
internal sealed unsafe partial class MpiLibrary
{
    /// <summary>The environment variable that names the library to load (a path or a soname).</summary>
    public const string LibraryVariable = "ILGPUVAE_MPI_LIBRARY";

    /// <summary>What is tried without <see cref="LibraryVariable"/>: MPICH (and its ABI family), then Open MPI.</summary>
    public static readonly string[] DefaultNames = ["libmpich.so.12", "libmpi.so.12", "libmpi.so.40"];

    /// <summary>MPI_THREAD_FUNNELED: the same value in both families; only the main thread calls MPI.</summary>
    public const int ThreadFunneled = 1;

    private MpiLibrary(nint handle, string name)
    {
        Name = name;
        Flavor = NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out _) ? MpiFlavor.OpenMpi : MpiFlavor.Mpich;
        if (Flavor == MpiFlavor.OpenMpi)
        {
            CommWorld = Export(handle, "ompi_mpi_comm_world");
            Float = Export(handle, "ompi_mpi_float");
            Byte = Export(handle, "ompi_mpi_byte");
        }
        else
        {
            // mpi.h of MPICH 3 and 4, and of every library of its ABI.
            CommWorld = 0x44000000;
            Float = 0x4c00040a;
            Byte = 0x4c00010d;
        }
        InitThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Export(handle, "MPI_Init_thread");
        Finalize = (delegate* unmanaged<int>)Export(handle, "MPI_Finalize");
        CommRank = (delegate* unmanaged<nint, int*, int>)Export(handle, "MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Export(handle, "MPI_Comm_size");
        Alltoallv = (delegate* unmanaged<void*, int*, int*, nint, void*, int*, int*, nint, nint, int>)Export(handle, "MPI_Alltoallv");
        Allgatherv = (delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, nint, int>)Export(handle, "MPI_Allgatherv");
        Allgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int>)Export(handle, "MPI_Allgather");
        Bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export(handle, "MPI_Bcast");
        Barrier = (delegate* unmanaged<nint, int>)Export(handle, "MPI_Barrier");
        Abort = (delegate* unmanaged<nint, int, int>)Export(handle, "MPI_Abort");
        GetLibraryVersion = (delegate* unmanaged<byte*, int*, int>)Export(handle, "MPI_Get_library_version");
    }

    /// <summary>The name the library was loaded by.</summary>
    public string Name { get; }

    /// <summary>Its ABI family.</summary>
    public MpiFlavor Flavor { get; }

    /// <summary>MPI_COMM_WORLD.</summary>
    public nint CommWorld { get; }

    /// <summary>MPI_FLOAT.</summary>
    public nint Float { get; }

    /// <summary>MPI_BYTE.</summary>
    public nint Byte { get; }

#pragma warning disable CS1591 // the MPI functions of the same names
    public delegate* unmanaged<int*, byte***, int, int*, int> InitThread { get; }
    public delegate* unmanaged<int> Finalize { get; }
    public delegate* unmanaged<nint, int*, int> CommRank { get; }
    public delegate* unmanaged<nint, int*, int> CommSize { get; }
    public delegate* unmanaged<void*, int*, int*, nint, void*, int*, int*, nint, nint, int> Alltoallv { get; }
    public delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, nint, int> Allgatherv { get; }
    public delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int> Allgather { get; }
    public delegate* unmanaged<void*, int, nint, int, nint, int> Bcast { get; }
    public delegate* unmanaged<nint, int> Barrier { get; }
    public delegate* unmanaged<nint, int, int> Abort { get; }
    public delegate* unmanaged<byte*, int*, int> GetLibraryVersion { get; }
#pragma warning restore CS1591

    /// <summary>The library's own description of itself (MPI_Get_library_version), first line.</summary>
    public string Version()
    {
        var buffer = stackalloc byte[8192];
        int length = 0;
        if (GetLibraryVersion(buffer, &length) != 0) return Name;
        string text = Marshal.PtrToStringUTF8((nint)buffer, Math.Clamp(length, 0, 8191)) ?? "";
        return text.Split('\n')[0].Trim().TrimEnd('\0');
    }

    /// <summary>
    /// Loads the MPI library: <see cref="LibraryVariable"/> if set, else Open MPI first when Open MPI's launcher
    /// started the process, else <see cref="DefaultNames"/> in order. Before the first load, UCX (the transport
    /// under MPICH and Open MPI on many systems) is told to leave fatal-signal handling to the process: its own
    /// handlers would turn the runtime's null-reference and overflow checks into crashes.
    /// </summary>
    /// <exception cref="MpiUnavailableException">No library could be loaded, or one lacks a function.</exception>
    public static MpiLibrary Load(Func<string, string?> environment) => Load(environment, DefaultNames);

    /// <summary><see cref="Load(Func{string, string?})"/> trying <paramref name="defaultNames"/> where no library is named.</summary>
    internal static MpiLibrary Load(Func<string, string?> environment, IReadOnlyList<string> defaultNames)
    {
        string? chosen = environment(LibraryVariable);
        string[] names = chosen is { Length: > 0 } ? [chosen]
            : environment("OMPI_COMM_WORLD_SIZE") is not null ? ["libmpi.so.40", .. defaultNames]
            : [.. defaultNames];
        KeepSignalsFromUcx();
        var failures = new List<string>();
        foreach (string name in names.Distinct())
        {
            if (!NativeLibrary.TryLoad(name, out nint handle))
            {
                failures.Add(name);
                continue;
            }
            try
            {
                return new MpiLibrary(handle, name);
            }
            catch (EntryPointNotFoundException e)
            {
                throw new MpiUnavailableException($"{name} is not a usable MPI library ({e.Message})");
            }
        }
        throw new MpiUnavailableException(chosen is { Length: > 0 }
            ? $"{LibraryVariable}={chosen} cannot be loaded; name an installed MPI library (libmpich.so.12, libmpi.so.40 or a full path), or unset it to use MPICH or Open MPI from the system"
            : $"an MPI launcher started this process, but no MPI library is installed (tried {string.Join(", ", failures)}); " +
              $"install MPICH (Debian and Ubuntu: apt-get install mpich) or Open MPI, or name the library with {LibraryVariable}");
    }

    private static nint Export(nint handle, string name) =>
        NativeLibrary.TryGetExport(handle, name, out nint address) ? address : throw new EntryPointNotFoundException($"no {name}");

    /// <summary>UCX_HANDLE_ERRORS=none in the process's C environment (which .NET's own copy does not reach), unless set already.</summary>
    private static void KeepSignalsFromUcx()
    {
        try
        {
            if (Native.getenv("UCX_HANDLE_ERRORS") == 0) Native.setenv("UCX_HANDLE_ERRORS", "none", 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No C library to call (not Linux): nothing of UCX to keep away either.
        }
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
        public static partial int setenv(string name, string value, int overwrite);

        [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
        public static partial nint getenv(string name);
    }
}

/// <summary>The MPI job cannot run: no MPI library, a library without a function the engine needs, or a launcher that does not match it.</summary>
/// <param name="message">One line naming the problem and the way out.</param>
internal sealed class MpiUnavailableException(string message) : Exception(message);
