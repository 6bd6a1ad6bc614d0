namespace IlgpuVae.Engine.Distributed;

/// <summary>
/// Failures that every rank of a data-parallel job meets alike, at the same point (a setting the job cannot run
/// with, ranks that disagree, a diverged run): rank 0 reports them, and the other ranks stay silent instead of
/// printing the same line P times. Other failures are a rank's own and are reported by that rank.
/// </summary>
internal static class SameOnEveryRank
{
    private const string Key = "ilgpuvae.same-on-every-rank";

    /// <summary>Marks <paramref name="e"/> as met by every rank alike, and returns it.</summary>
    public static T Mark<T>(T e) where T : Exception
    {
        e.Data[Key] = true;
        return e;
    }

    /// <summary>Whether every rank meets <paramref name="e"/> alike.</summary>
    public static bool Holds(Exception e) => e is RanksDisagreeException || e.Data[Key] is true;
}
