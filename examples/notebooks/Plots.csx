// Pictures for the notebooks (loaded with #load after the references), shown with display(HTML(...)): charts drawn
// with ScottPlot 5 and grey images encoded with its SkiaSharp, both embedded as PNG data URIs, and HTML tables.
// ScottPlot's types are written out in full, so that nothing this file imports can make a name in the notebooks' own
// cells ambiguous (ScottPlot has a Plot, Colors, Range, Image...).
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using SkiaSharp;

/// <summary>One named line or set of points of a chart.</summary>
public sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>A labelled point of a scatter chart; highlighted points are drawn larger and in another colour.</summary>
public sealed record LabelledPoint(double X, double Y, string Label, bool Highlight = false);

public static class Charts
{
    private static readonly ScottPlot.Color[] Palette = [.. new[] { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b" }.Select(ScottPlot.Color.FromHex)];
    private const int Width = 680, Height = 400;

    /// <summary>
    /// A line with a marker at every point, one per series, against a numeric x axis (for example the epoch). The markers
    /// keep a series of one point (a one-epoch run) visible; an integer axis gets a tick per integer and half a unit of
    /// margin, so a single epoch sits in the middle.
    /// </summary>
    public static string Lines(string title, string xLabel, string yLabel, params Series[] series)
    {
        var plot = NewPlot();
        for (int s = 0; s < series.Length; s++)
        {
            if (series[s].Points.Count == 0)
            {
                continue;
            }

            var line = plot.Add.Scatter(series[s].Points.Select(p => p.X).ToArray(), series[s].Points.Select(p => p.Y).ToArray(), Palette[s % Palette.Length]);
            line.LegendText = series[s].Name;
            line.LineWidth = 2.5f;
            line.MarkerSize = 9;
            line.MarkerShape = ScottPlot.MarkerShape.FilledCircle;
        }

        double[] xs = series.SelectMany(s => s.Points).Select(p => p.X).ToArray();
        if (xs.Length > 0 && xs.All(x => x == Math.Round(x)))
        {
            plot.Axes.SetLimitsX(xs.Min() - 0.5, xs.Max() + 0.5);
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(Math.Max(1, Math.Ceiling((xs.Max() - xs.Min() + 1) / 15)));
        }

        return Finish(plot, title, xLabel, yLabel, legend: true, Width, Height);
    }

    /// <summary>Points with their labels written next to them (for example trials: accuracy against time).</summary>
    public static string Scatter(string title, string xLabel, string yLabel, IReadOnlyList<LabelledPoint> points)
    {
        var plot = NewPlot();
        foreach (LabelledPoint p in points.OrderBy(p => p.Highlight))
        {
            ScottPlot.Color color = p.Highlight ? Palette[3] : Palette[0];
            plot.Add.Marker(p.X, p.Y, ScottPlot.MarkerShape.FilledCircle, size: p.Highlight ? 13 : 9, color);
            var label = plot.Add.Text(p.Label, p.X, p.Y);
            label.Alignment = ScottPlot.Alignment.MiddleLeft;
            label.OffsetX = 8;
            label.LabelFontSize = 12;
            label.LabelFontColor = color;
        }

        return Finish(plot, title, xLabel, yLabel, legend: false, Width, Height);
    }

    /// <summary>Grouped vertical bars: one group per category, one bar per series.</summary>
    public static string Bars(string title, string yLabel, IReadOnlyList<string> categories, params (string Name, IReadOnlyList<double> Values)[] series)
    {
        var plot = NewPlot();
        double barWidth = 0.8 / series.Length;
        for (int s = 0; s < series.Length; s++)
        {
            var bars = plot.Add.Bars(
                Enumerable.Range(0, categories.Count).Select(c => c - 0.4 + (barWidth * (s + 0.5))).ToArray(),
                series[s].Values.ToArray());
            bars.Color = Palette[s % Palette.Length];
            bars.LegendText = series[s].Name;
            foreach (var bar in bars.Bars)
            {
                bar.Size = barWidth * 0.95;
            }
        }

        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, categories.Count).Select(c => (double)c).ToArray(), [.. categories]);
        plot.Axes.Margins(bottom: 0);
        return Finish(plot, title, string.Empty, yLabel, legend: true, Width, Height);
    }

    /// <summary>
    /// A confusion matrix as a heat map: rows are true classes, columns predicted ones; each cell is shaded by its share
    /// of the row (the recall on the diagonal, with a square root so that small confusions still show) and labelled with
    /// its count.
    /// </summary>
    public static string ConfusionMatrix(IReadOnlyList<string> names, IReadOnlyList<IReadOnlyList<double>> counts)
    {
        int n = names.Count;
        var plot = NewPlot();
        for (int row = 0; row < n; row++)
        {
            double total = counts[row].Sum();
            for (int col = 0; col < n; col++)
            {
                double t = total == 0 ? 0 : Math.Sqrt(counts[row][col] / total);
                double top = n - row;
                var cell = plot.Add.Rectangle(col, col + 1, top - 1, top);
                cell.FillColor = new ScottPlot.Color((byte)(255 - (t * 247)), (byte)(255 - (t * 207)), (byte)(255 - (t * 148)));
                cell.LineColor = ScottPlot.Color.FromHex("#cccccc");
                var count = plot.Add.Text(counts[row][col].ToString("0", CultureInfo.InvariantCulture), col + 0.5, top - 0.5);
                count.Alignment = ScottPlot.Alignment.MiddleCenter;
                count.LabelFontSize = 12;
                count.LabelFontColor = t > 0.6 ? ScottPlot.Colors.White : ScottPlot.Colors.Black;
            }
        }

        double[] centres = Enumerable.Range(0, n).Select(i => i + 0.5).ToArray();
        plot.Axes.Bottom.SetTicks(centres, [.. names]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = -45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = ScottPlot.Alignment.UpperRight;
        plot.Axes.Bottom.MinimumSize = 100;
        plot.Axes.Left.SetTicks([.. centres.Select(c => n - c)], [.. names]);
        plot.Axes.SetLimits(0, n, 0, n);
        plot.HideGrid();
        plot.Axes.SquareUnits();
        return Finish(plot, "Confusion matrix (rows: true class, columns: predicted)", "predicted class", "true class", legend: false, Math.Max(480, 150 + (n * 46)), 150 + (n * 46));
    }

    /// <summary>
    /// A plot that writes its text in DejaVu Sans where it is installed: on Linux, SkiaSharp's build without fontconfig
    /// takes the first font it finds as the default, which can be a serif one.
    /// </summary>
    private static ScottPlot.Plot NewPlot()
    {
        var plot = new ScottPlot.Plot();
        plot.Font.Set("DejaVu Sans");
        return plot;
    }

    private static string Finish(ScottPlot.Plot plot, string title, string xLabel, string yLabel, bool legend, int width, int height)
    {
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        int legendHeight = 0;
        if (legend)
        {
            // In a column under the data area, where it can hide no point.
            plot.ShowLegend(ScottPlot.Edge.Bottom);
            plot.Legend.Orientation = ScottPlot.Orientation.Vertical;
            legendHeight = 22 * plot.GetPlottables().Sum(p => p.LegendItems.Count());
        }

        return plot.GetPngHtml(width, height + legendHeight);
    }
}

public static class Html
{
    private static readonly Regex Numeric = new(@"^[-+]?[\d.,]+\s?(%|[kKMG]|s|ms)?$");

    /// <summary>A table; cells that hold numbers are right-aligned. Cells are escaped unless marked raw with <see cref="Raw"/>.</summary>
    public static string Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<object>> rows)
    {
        var html = new StringBuilder("<table style=\"border-collapse: collapse; font-size: 13px\"><thead><tr>");
        foreach (string header in headers)
        {
            html.Append("<th style=\"text-align: left; padding: 2px 8px; border-bottom: 1px solid #888\">").Append(Escape(header)).Append("</th>");
        }

        html.Append("</tr></thead><tbody>");
        foreach (IReadOnlyList<object> row in rows)
        {
            html.Append("<tr>");
            foreach (object cell in row)
            {
                string text = cell is RawHtml raw ? raw.Html : Escape(Convert.ToString(cell, CultureInfo.InvariantCulture) ?? string.Empty);
                string align = cell is not RawHtml && Numeric.IsMatch(text) ? "right" : "left";
                html.Append(F($"<td style=\"text-align: {align}; padding: 2px 8px; font-variant-numeric: tabular-nums\">{text}</td>"));
            }

            html.Append("</tr>");
        }

        return html.Append("</tbody></table>").ToString();
    }

    public static RawHtml Raw(string html) => new(html);

    /// <summary>Text formatted with the invariant culture.</summary>
    public static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Text made safe to place in HTML.</summary>
    public static string Escape(string text) => WebUtility.HtmlEncode(text);

    public sealed record RawHtml(string Html);

    /// <summary>Pictures side by side, each with a caption underneath.</summary>
    public static string Figures(IEnumerable<(string ImageTag, string Caption)> figures) =>
        "<div style=\"display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-end\">"
        + string.Concat(figures.Select(f => $"<figure style=\"margin: 0; text-align: center\">{f.ImageTag}<figcaption style=\"font-size: 12px\">{Escape(f.Caption)}</figcaption></figure>"))
        + "</div>";
}

public static class Png
{
    /// <summary>A grey image (values of any range, stretched to black-white) as an &lt;img&gt; tag, each pixel drawn as scale x scale.</summary>
    public static string Image(ReadOnlySpan<float> pixels, int height, int width, int scale)
    {
        var grid = new float[height * width];
        pixels[..grid.Length].CopyTo(grid);
        return Grid(grid, 1, height, width, [0], columns: 1, scale);
    }

    /// <summary>
    /// Maps (channel x height x width values) drawn side by side, <paramref name="columns"/> to a row, each stretched
    /// to black-white on its own range (a map that is zero everywhere stays black), with a one-pixel grey gap.
    /// </summary>
    public static string Grid(float[] values, int channels, int height, int width, IReadOnlyList<int> show, int columns, int scale)
    {
        int rows = (show.Count + columns - 1) / columns;
        int cellWidth = (width * scale) + 1, cellHeight = (height * scale) + 1;
        int imageWidth = (Math.Min(columns, show.Count) * cellWidth) + 1, imageHeight = (rows * cellHeight) + 1;
        byte[] grey = Enumerable.Repeat((byte)160, imageWidth * imageHeight).ToArray();
        for (int i = 0; i < show.Count; i++)
        {
            ReadOnlySpan<float> map = values.AsSpan(show[i] * height * width, height * width);
            float min = float.MaxValue, max = float.MinValue;
            foreach (float v in map)
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }

            float range = max - min;
            int left = 1 + ((i % columns) * cellWidth), top = 1 + ((i / columns) * cellHeight);
            for (int y = 0; y < height * scale; y++)
            {
                for (int x = 0; x < width * scale; x++)
                {
                    float v = map[((y / scale) * width) + (x / scale)];
                    grey[((top + y) * imageWidth) + left + x] = range <= 0 ? (byte)0 : (byte)Math.Round((v - min) / range * 255);
                }
            }
        }

        using var bitmap = new SKBitmap(new SKImageInfo(imageWidth, imageHeight, SKColorType.Gray8, SKAlphaType.Opaque));
        Marshal.Copy(grey, 0, bitmap.GetPixels(), grey.Length);
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return Html.F($"<img src=\"data:image/png;base64,{Convert.ToBase64String(png.ToArray())}\" width=\"{imageWidth}\" height=\"{imageHeight}\" style=\"image-rendering: pixelated\"/>");
    }
}
