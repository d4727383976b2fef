using Microsoft.ML.Data;

namespace Microsoft.ML.Inception.Samples.Comparison;

/// <summary>What one route measured in this run.</summary>
/// <param name="Route">The route.</param>
/// <param name="TrainImages">Training images the pipeline was fitted on.</param>
/// <param name="Fit">Wall time of building the pipeline and <c>Fit</c> on the training images.</param>
/// <param name="Scoring">Wall time of <c>Evaluate(model.Transform(test))</c>: one pass of the test images through the fitted model.</param>
/// <param name="Metrics">The evaluation on the test images.</param>
/// <param name="ModelBytes">Size of the model zip that <c>ml.Model.Save</c> wrote.</param>
/// <param name="OtherProcessCores">Cores that all other processes kept busy on average during Fit and scoring (null without /proc/stat).</param>
internal sealed record RouteResult(Route Route, int TrainImages, TimeSpan Fit, TimeSpan Scoring, MulticlassClassificationMetrics Metrics, long ModelBytes, double? OtherProcessCores)
{
    public int TestImages => (int)Metrics.ConfusionMatrix.Counts.Sum(row => row.Sum());

    public double ScoringImagesPerSecond => TestImages / Scoring.TotalSeconds;
}
