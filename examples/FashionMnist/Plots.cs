using System.Globalization;
using ScottPlot;

namespace Microsoft.ML.Inception.Samples.FashionMnist;

/// <summary>
/// PNG plots of a training run, drawn with ScottPlot 5. Every epoch is a marker as well as a point of a line, so a
/// one-epoch run still shows its values; the epoch axis has a tick per epoch.
/// </summary>
internal static class Plots
{
    private const int Width = 800;
    private const int Height = 500;

    private static readonly Color[] SeriesColors = [Color.FromHex("#1f77b4"), Color.FromHex("#ff7f0e"), Color.FromHex("#2ca02c")];

    /// <summary>
    /// A plot that writes its text in DejaVu Sans where it is installed: on Linux, SkiaSharp's build without fontconfig
    /// takes the first font it finds as the default, which can be a serif one.
    /// </summary>
    private static Plot NewPlot()
    {
        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        return plot;
    }

    /// <summary>The legend in a column under the data area, where it can hide no point.</summary>
    private static void LegendBelow(Plot plot)
    {
        plot.ShowLegend(Edge.Bottom);
        plot.Legend.Orientation = Orientation.Vertical;
    }

    /// <summary>
    /// One line with a marker per epoch for each series (a series may lack values, such as validation metrics in a run
    /// without validation; epochs without a value are left out), and optionally a final value drawn as an open diamond at
    /// the last epoch. The legend sits under the plot. Saved as a PNG.
    /// </summary>
    public static void Curves(
        string path,
        string title,
        string yLabel,
        IReadOnlyList<InceptionEpochMetrics> history,
        IReadOnlyList<(string Name, Func<InceptionEpochMetrics, double?> Value)> series,
        (string Name, double Value)? final = null)
    {
        var plot = NewPlot();
        for (int s = 0; s < series.Count; s++)
        {
            (double Epoch, double Value)[] points = history
                .Select(m => (Epoch: (double)m.Epoch, Value: series[s].Value(m)))
                .Where(p => p.Value is double v && double.IsFinite(v))
                .Select(p => (p.Epoch, p.Value!.Value))
                .ToArray();
            if (points.Length == 0)
            {
                continue;
            }

            var scatter = plot.Add.Scatter(points.Select(p => p.Epoch).ToArray(), points.Select(p => p.Value).ToArray(), SeriesColors[s % SeriesColors.Length]);
            scatter.LegendText = series[s].Name;
            scatter.LineWidth = 2.5f;
            scatter.MarkerSize = 9;
            scatter.MarkerShape = MarkerShape.FilledCircle;
        }

        int lastEpoch = history.Count == 0 ? 1 : history.Max(m => m.Epoch);
        if (final is (string finalName, double finalValue))
        {
            // Open, so that the epoch's own test value stays visible inside it when the two are close.
            var fitted = plot.Add.Marker(lastEpoch, finalValue, MarkerShape.OpenDiamond, size: 18, Color.FromHex("#d62728"));
            fitted.MarkerLineWidth = 2.5f;
            fitted.LegendText = string.Create(CultureInfo.InvariantCulture, $"{finalName}: {finalValue:0.##}");
        }

        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        // Half an epoch of margin on each side, so one epoch sits in the middle rather than on the frame.
        plot.Axes.SetLimitsX(0.5, lastEpoch + 0.5);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(Math.Max(1, Math.Ceiling(lastEpoch / 15.0)));
        LegendBelow(plot);
        plot.SavePng(path, Width, Height + (22 * (series.Count + (final is null ? 0 : 1))));
    }

    /// <summary>
    /// The confusion matrix as a heat map: rows are the true classes, columns the predicted ones, each cell shaded by its
    /// share of the row (the class's recall on the diagonal) and labelled with its count.
    /// </summary>
    public static void ConfusionMatrix(string path, IReadOnlyList<string> classNames, IReadOnlyList<IReadOnlyList<double>> counts)
    {
        int n = classNames.Count;
        var plot = NewPlot();
        for (int row = 0; row < n; row++)
        {
            double total = counts[row].Sum();
            for (int col = 0; col < n; col++)
            {
                // White to dark blue, with a square root so that small confusions still show. Row 0 is drawn at the top.
                double t = total == 0 ? 0 : Math.Sqrt(counts[row][col] / total);
                double top = n - row;
                var cell = plot.Add.Rectangle(col, col + 1, top - 1, top);
                cell.FillColor = new Color((byte)(255 - (t * 247)), (byte)(255 - (t * 207)), (byte)(255 - (t * 148)));
                cell.LineColor = Color.FromHex("#c0c0c0");
                var count = plot.Add.Text(counts[row][col].ToString("0", CultureInfo.InvariantCulture), col + 0.5, top - 0.5);
                count.Alignment = Alignment.MiddleCenter;
                count.LabelFontSize = 13;
                count.LabelFontColor = t > 0.6 ? Colors.White : Colors.Black;
            }
        }

        double[] centres = Enumerable.Range(0, n).Select(i => i + 0.5).ToArray();
        plot.Axes.Bottom.SetTicks(centres, [.. classNames]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = -45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.UpperRight;
        plot.Axes.Left.SetTicks([.. centres.Select(c => n - c)], [.. classNames]);
        plot.Axes.SetLimits(0, n, 0, n);
        plot.Axes.Bottom.MinimumSize = 110;
        plot.Title("Confusion matrix (test set; shade = share of the true class)");
        plot.XLabel("predicted class");
        plot.YLabel("true class");
        plot.HideGrid();
        plot.Axes.SquareUnits();
        plot.SavePng(path, Math.Max(600, 170 + (n * 60)), 170 + (n * 60));
    }
}
