// Pictures for the notebooks (loaded with #load after the references), shown with display(HTML(...)).
// Charts are inline SVG built here, with no plotting library: ScottPlot 5 would bring SkiaSharp 3, which breaks
// ML.NET's image transforms in the same process. Raster pictures (images, feature maps) are PNGs encoded with the
// SkiaSharp 2.88 that ML.NET already uses, embedded as data URIs.
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using SkiaSharp;

/// <summary>One named line or set of points of a chart.</summary>
public sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>A labelled point of a scatter chart; highlighted points are drawn larger and in another colour.</summary>
public sealed record LabelledPoint(double X, double Y, string Label, bool Highlight = false);

public static class Svg
{
    private static readonly string[] Colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
    private const int Width = 640, Height = 370, Left = 70, Right = 20, Top = 56, Bottom = 50;

    /// <summary>Lines with dots, one per series, against a numeric x axis (for example the epoch).</summary>
    public static string Lines(string title, string xLabel, string yLabel, params Series[] series)
    {
        var all = series.SelectMany(s => s.Points).ToList();
        var frame = new Frame(title, xLabel, yLabel, all.Select(p => p.X), all.Select(p => p.Y), integerX: all.All(p => p.X == Math.Round(p.X)));
        var svg = frame.Begin();
        for (int s = 0; s < series.Length; s++)
        {
            string color = Colors[s % Colors.Length];
            string points = string.Join(" ", series[s].Points.Select(p => F($"{frame.X(p.X):0.#},{frame.Y(p.Y):0.#}")));
            svg.Append(F($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2.5\" points=\"{points}\"/>"));
            foreach ((double x, double y) in series[s].Points)
            {
                svg.Append(F($"<circle cx=\"{frame.X(x):0.#}\" cy=\"{frame.Y(y):0.#}\" r=\"4\" fill=\"{color}\"><title>{x:G4}: {y:G4}</title></circle>"));
            }
        }

        frame.Legend(svg, series.Select((s, i) => (s.Name, Colors[i % Colors.Length])).ToList());
        return frame.End(svg);
    }

    /// <summary>Points with their labels written next to them (for example trials: accuracy against time).</summary>
    public static string Scatter(string title, string xLabel, string yLabel, IReadOnlyList<LabelledPoint> points)
    {
        var frame = new Frame(title, xLabel, yLabel, points.Select(p => p.X), points.Select(p => p.Y), integerX: false);
        var svg = frame.Begin();
        foreach (LabelledPoint p in points.OrderBy(p => p.Highlight))
        {
            string color = p.Highlight ? Colors[3] : Colors[0];
            svg.Append(F($"<circle cx=\"{frame.X(p.X):0.#}\" cy=\"{frame.Y(p.Y):0.#}\" r=\"{(p.Highlight ? 7 : 5)}\" fill=\"{color}\" fill-opacity=\"0.8\"><title>{Escape(p.Label)}</title></circle>"));
            svg.Append(F($"<text x=\"{frame.X(p.X) + 9:0.#}\" y=\"{frame.Y(p.Y) + 4:0.#}\" font-size=\"11\" fill=\"{color}\">{Escape(p.Label)}</text>"));
        }

        return frame.End(svg);
    }

    /// <summary>Grouped vertical bars: one group per category, one bar per series.</summary>
    public static string Bars(string title, string yLabel, IReadOnlyList<string> categories, params (string Name, IReadOnlyList<double> Values)[] series)
    {
        var frame = new Frame(title, string.Empty, yLabel, [0, categories.Count], series.SelectMany(s => s.Values).Append(0), integerX: false, xTicks: false);
        var svg = frame.Begin();
        double groupWidth = frame.X(1) - frame.X(0);
        double barWidth = groupWidth * 0.8 / series.Length;
        for (int c = 0; c < categories.Count; c++)
        {
            for (int s = 0; s < series.Length; s++)
            {
                double value = series[s].Values[c];
                double x = frame.X(c) + (groupWidth * 0.1) + (s * barWidth);
                double y = frame.Y(value);
                svg.Append(F($"<rect x=\"{x:0.#}\" y=\"{y:0.#}\" width=\"{barWidth - 1:0.#}\" height=\"{frame.Y(0) - y:0.#}\" fill=\"{Colors[s % Colors.Length]}\"><title>{Escape(categories[c])}, {Escape(series[s].Name)}: {value:N0}</title></rect>"));
            }

            svg.Append(F($"<text x=\"{frame.X(c + 0.5):0.#}\" y=\"{Height - Bottom + 16}\" font-size=\"11\" text-anchor=\"middle\">{Escape(categories[c])}</text>"));
        }

        frame.Legend(svg, series.Select((s, i) => (s.Name, Colors[i % Colors.Length])).ToList());
        return frame.End(svg);
    }

    /// <summary>
    /// A confusion matrix as a heat map: rows are true classes, columns predicted ones; each cell is shaded by its
    /// share of the row (the recall on the diagonal, with a square root so that small confusions still show).
    /// </summary>
    public static string ConfusionMatrix(IReadOnlyList<string> names, IReadOnlyList<IReadOnlyList<double>> counts)
    {
        int n = names.Count;
        const int Cell = 44, MarginLeft = 110, MarginTop = 40, MarginBottom = 100;
        int width = MarginLeft + (n * Cell) + 10, height = MarginTop + (n * Cell) + MarginBottom;
        var svg = new StringBuilder(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        svg.Append(F($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/><text x=\"{width / 2}\" y=\"22\" font-size=\"15\" text-anchor=\"middle\">Confusion matrix (rows: true class, columns: predicted)</text>"));
        for (int row = 0; row < n; row++)
        {
            double total = counts[row].Sum();
            for (int col = 0; col < n; col++)
            {
                double t = total == 0 ? 0 : Math.Sqrt(counts[row][col] / total);
                string fill = F($"rgb({(int)(255 - (t * 247))},{(int)(255 - (t * 207))},{(int)(255 - (t * 148))})");
                int x = MarginLeft + (col * Cell), y = MarginTop + (row * Cell);
                svg.Append(F($"<rect x=\"{x}\" y=\"{y}\" width=\"{Cell}\" height=\"{Cell}\" fill=\"{fill}\" stroke=\"#ccc\"/>"));
                svg.Append(F($"<text x=\"{x + (Cell / 2)}\" y=\"{y + (Cell / 2) + 4}\" text-anchor=\"middle\" fill=\"{(t > 0.6 ? "white" : "black")}\">{counts[row][col]:0}</text>"));
            }

            svg.Append(F($"<text x=\"{MarginLeft - 6}\" y=\"{MarginTop + (row * Cell) + (Cell / 2) + 4}\" text-anchor=\"end\">{Escape(names[row])}</text>"));
            int cx = MarginLeft + (row * Cell) + (Cell / 2), cy = MarginTop + (n * Cell) + 8;
            svg.Append(F($"<text x=\"{cx}\" y=\"{cy}\" text-anchor=\"end\" transform=\"rotate(-45 {cx} {cy})\">{Escape(names[row])}</text>"));
        }

        return svg.Append("</svg>").ToString();
    }

    internal static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    internal static string Escape(string text) => WebUtility.HtmlEncode(text);

    /// <summary>Axes, ticks, grid and labels of a chart, and the mapping from data to pixels.</summary>
    private sealed class Frame
    {
        private readonly string title, xLabel, yLabel;
        private readonly double xMin, xMax, yMin, yMax, xStep, yStep;
        private readonly bool integerX, xTicks;

        public Frame(string title, string xLabel, string yLabel, IEnumerable<double> xs, IEnumerable<double> ys, bool integerX, bool xTicks = true)
        {
            (this.title, this.xLabel, this.yLabel, this.integerX, this.xTicks) = (title, xLabel, yLabel, integerX, xTicks);
            List<double> xValues = xs.DefaultIfEmpty(0).ToList();
            (xMin, xMax, xStep) = xTicks ? Range(xValues, integerX, pad: !integerX) : (xValues.Min(), xValues.Max(), 1);
            (yMin, yMax, yStep) = Range(ys.DefaultIfEmpty(0).ToList(), integer: false, pad: true);
        }

        public double X(double x) => Left + ((x - xMin) / (xMax - xMin) * (Width - Left - Right));

        public double Y(double y) => Height - Bottom - ((y - yMin) / (yMax - yMin) * (Height - Top - Bottom));

        public StringBuilder Begin()
        {
            var svg = new StringBuilder(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"12\">"));
            svg.Append(F($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>"));
            svg.Append(F($"<text x=\"{Width / 2}\" y=\"22\" font-size=\"15\" text-anchor=\"middle\">{Escape(title)}</text>"));
            string format = Decimals(yStep);
            for (double v = yMin; v <= yMax + (yStep / 2); v += yStep)
            {
                svg.Append(F($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(v):0.#}\" y2=\"{Y(v):0.#}\" stroke=\"#e5e5e5\"/>"));
                svg.Append(F($"<text x=\"{Left - 6}\" y=\"{Y(v) + 4:0.#}\" text-anchor=\"end\">{Tick(v, format)}</text>"));
            }

            if (xTicks)
            {
                string xFormat = integerX ? "0" : Decimals(xStep);
                for (double v = xMin; v <= xMax + (xStep / 2); v += xStep)
                {
                    svg.Append(F($"<line x1=\"{X(v):0.#}\" x2=\"{X(v):0.#}\" y1=\"{Height - Bottom}\" y2=\"{Height - Bottom + 5}\" stroke=\"black\"/>"));
                    svg.Append(F($"<text x=\"{X(v):0.#}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\">{Tick(v, xFormat)}</text>"));
                }
            }

            svg.Append(F($"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 8}\" text-anchor=\"middle\">{Escape(xLabel)}</text>"));
            svg.Append(F($"<text x=\"16\" y=\"{(Top + Height - Bottom) / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {(Top + Height - Bottom) / 2})\">{Escape(yLabel)}</text>"));
            return svg;
        }

        /// <summary>One row of entries between the title and the plot, where no data can hide them.</summary>
        public void Legend(StringBuilder svg, IReadOnlyList<(string Name, string Color)> entries)
        {
            double x = Left;
            foreach ((string name, string color) in entries)
            {
                svg.Append(F($"<rect x=\"{x:0.#}\" y=\"{Top - 17}\" width=\"14\" height=\"10\" fill=\"{color}\"/>"));
                svg.Append(F($"<text x=\"{x + 20:0.#}\" y=\"{Top - 8}\">{Escape(name)}</text>"));
                x += 40 + (name.Length * 6.5);
            }
        }

        public string End(StringBuilder svg) =>
            svg.Append(F($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\" fill=\"none\" stroke=\"black\"/></svg>")).ToString();

        private static (double Min, double Max, double Step) Range(IReadOnlyList<double> values, bool integer, bool pad)
        {
            double min = values.Min(), max = values.Max();
            if (pad)
            {
                double margin = Math.Max((max - min) * 0.08, Math.Max(Math.Abs(max) * 0.02, 1e-3));
                // Counts, losses and accuracies are never negative: the padding must not make the axis start below 0.
                (min, max) = (min >= 0 ? Math.Max(0, min - margin) : min - margin, max + margin);
            }

            if (max - min < 1e-12)
            {
                (min, max) = (min - 1, max + 1);
            }

            double step = NiceStep((max - min) / 5);
            if (integer)
            {
                step = Math.Max(1, Math.Round(step));
            }

            return (Math.Floor(min / step) * step, Math.Ceiling(max / step) * step, step);
        }

        private static double NiceStep(double rough)
        {
            double magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
            double fraction = rough / magnitude;
            return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
        }

        private static string Decimals(double step) => "0." + new string('#', Math.Clamp((int)Math.Ceiling(-Math.Log10(step)) + 1, 0, 6));

        private static string Tick(double value, string format) => Math.Abs(value) >= 1e6
            ? (value / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + " M"
            : value.ToString(format, CultureInfo.InvariantCulture);
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
            html.Append("<th style=\"text-align: left; padding: 2px 8px; border-bottom: 1px solid #888\">").Append(Svg.Escape(header)).Append("</th>");
        }

        html.Append("</tr></thead><tbody>");
        foreach (IReadOnlyList<object> row in rows)
        {
            html.Append("<tr>");
            foreach (object cell in row)
            {
                string text = cell is RawHtml raw ? raw.Html : Svg.Escape(Convert.ToString(cell, CultureInfo.InvariantCulture) ?? string.Empty);
                string align = cell is not RawHtml && Numeric.IsMatch(text) ? "right" : "left";
                html.Append(Svg.F($"<td style=\"text-align: {align}; padding: 2px 8px; font-variant-numeric: tabular-nums\">{text}</td>"));
            }

            html.Append("</tr>");
        }

        return html.Append("</tbody></table>").ToString();
    }

    public static RawHtml Raw(string html) => new(html);

    public sealed record RawHtml(string Html);

    /// <summary>Pictures side by side, each with a caption underneath.</summary>
    public static string Figures(IEnumerable<(string ImageTag, string Caption)> figures) =>
        "<div style=\"display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-end\">"
        + string.Concat(figures.Select(f => $"<figure style=\"margin: 0; text-align: center\">{f.ImageTag}<figcaption style=\"font-size: 12px\">{Svg.Escape(f.Caption)}</figcaption></figure>"))
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

        using SKImage image = SKImage.FromPixelCopy(new SKImageInfo(imageWidth, imageHeight, SKColorType.Gray8, SKAlphaType.Opaque), grey);
        using SKData png = image.Encode(SKEncodedImageFormat.Png, 100);
        return Svg.F($"<img src=\"data:image/png;base64,{Convert.ToBase64String(png.ToArray())}\" width=\"{imageWidth}\" height=\"{imageHeight}\" style=\"image-rendering: pixelated\"/>");
    }
}
