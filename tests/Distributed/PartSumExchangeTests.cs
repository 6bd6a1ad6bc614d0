using IlgpuVae.Engine.Distributed;
using IlgpuVae.Tests.Kernels;
using NUnit.Framework;
using static IlgpuVae.Tests.Kernels.KernelAssert;

namespace IlgpuVae.Tests.Distributed;

/// <summary>
/// The sum of a minibatch's parts across ranks (<see cref="PartSumExchange"/>) is the left-to-right sum of
/// docs/kernels.md whatever the number of ranks: every rank ends with the bits of one process adding all the
/// parts, also with uneven shares and vectors shorter than the number of ranks.
/// </summary>
[TestFixture]
public sealed class PartSumExchangeTests
{
    [TestCase(12, 1000)]
    [TestCase(7, 33)]
    [TestCase(5, 3)]
    [TestCase(1, 10)]
    public void EveryRankCountGivesTheOneProcessSum(int parts, int length)
    {
        var random = new Random(parts * 1000 + length);
        // Mixed magnitudes: any other order of the additions gives other bits.
        var vectors = Enumerable.Range(0, parts)
            .Select(_ => Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-20, 21)))).ToArray())
            .ToArray();
        var expected = ContractKernels.FoldParts(vectors);
        for (int size = 1; size <= parts; size++)
        {
            var shares = new MinibatchShares(parts * 3, parts, size);
            var sums = ThreadRanks.Run(size, ranks =>
            {
                var exchange = new PartSumExchange(ranks, shares, length);
                var mine = vectors.Skip(shares.FirstPart(ranks.Rank)).Take(shares.PartCount(ranks.Rank)).SelectMany(v => v).ToArray();
                var total = new float[length];
                exchange.Sum(mine, total);
                return total;
            });
            for (int r = 0; r < size; r++) BitEqual(expected, sums[r], $"{parts} parts on {size} ranks: rank {r}");
        }
    }

    [Test]
    public void MoreRanksThanPartsAreRefused()
    {
        var e = Assert.Throws<IlgpuVae.Engine.InputException>(() => _ = new MinibatchShares(100, 12, 13));
        Assert.That(e!.Message, Does.Contain("13 processes").And.Contain("at most 12"));
    }

    [Test]
    public void SharesCoverThePartsInOrderAndDifferByAtMostOne()
    {
        foreach (int size in new[] { 1, 2, 3, 4, 5, 7, 12 })
        {
            var shares = new MinibatchShares(100, 12, size);
            Assert.That(shares.FirstPart(0), Is.EqualTo(0));
            Assert.That(shares.FirstPart(size), Is.EqualTo(12));
            var counts = Enumerable.Range(0, size).Select(shares.PartCount).ToList();
            Assert.That(counts.Max() - counts.Min(), Is.LessThanOrEqualTo(1), $"{size} ranks");
            Assert.That(shares.FirstDatapoint(size), Is.EqualTo(100));
        }
    }
}
