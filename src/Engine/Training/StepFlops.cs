using IlgpuVae.Engine.Model;

namespace IlgpuVae.Engine.Training;

/// <summary>Floating-point operations of one training step (matrix products only; 2 per multiply-add).</summary>
internal static class StepFlops
{
    /// <summary>
    /// FLOPs of the products of one step of <paramref name="batch"/> datapoints: forward, weight gradient
    /// and data gradient of every layer, except the data gradient of the first encoder layer (x needs none).
    /// </summary>
    public static double Of(ModelConfig config, int batch)
    {
        var layout = new ParameterLayout(config);
        double encoder = layout.EncoderMacs, decoder = layout.DecoderMacs * (double)config.Samples;
        double firstLayer = layout.EncoderHidden.Count > 0 ? layout.EncoderHidden[0].WeightCount : layout.EncoderHead.WeightCount;
        return 2.0 * batch * (3 * (encoder + decoder) - firstLayer);
    }
}
