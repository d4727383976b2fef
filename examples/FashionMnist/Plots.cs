using System.Globalization;
using SkiaSharp;

namespace Microsoft.ML.Inception.Samples.FashionMnist;

/// <summary>
/// PNG plots of a training run, drawn with SkiaSharp 2.88, the version ML.NET's image transforms use (a plotting
/// library built on SkiaSharp 3 would replace it in the process and break LoadImages).
/// </summary>
internal static class Plots
{
    private static readonly SKColor[] SeriesColors = [new(0x1f, 0x77, 0xb4), new(0xff, 0x7f, 0x0e), new(0x2c, 0xa0, 0x2c)];

    private static readonly Lazy<SKTypeface> Font = new(() =>
        new[] { "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf", "/System/Library/Fonts/Helvetica.ttc", @"C:\Windows\Fonts\arial.ttf" }
            .Where(File.Exists).Select(SKTypeface.FromFile).FirstOrDefault(t => t is not null)
        ?? SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default);

    /// <summary>One line per series against the epoch number, saved as a PNG.</summary>
    public static void Curves(string path, string title, string yLabel, IReadOnlyList<InceptionEpochMetrics> history, params (string Name, Func<InceptionEpochMetrics, double> Value)[] series)
    {
        const int Width = 800, Height = 500, Left = 80, Right = 30, Top = 50, Bottom = 60;
        using var surface = SKSurface.Create(new SKImageInfo(Width, Height));
        SKCanvas canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var text = TextPaint(14);
        using var axis = new SKPaint { Color = SKColors.Black, StrokeWidth = 1, IsAntialias = true, Style = SKPaintStyle.Stroke };
        using var grid = new SKPaint { Color = new SKColor(0xe0, 0xe0, 0xe0), StrokeWidth = 1, Style = SKPaintStyle.Stroke };

        double[] values = series.SelectMany(s => history.Select(s.Value)).ToArray();
        double min = values.Length == 0 ? 0 : values.Min(), max = values.Length == 0 ? 1 : values.Max();
        double pad = Math.Max((max - min) * 0.1, Math.Max(Math.Abs(max) * 0.05, 0.01));
        (min, max) = (min - pad, max + pad);
        int lastEpoch = Math.Max(2, history.Count);
        float X(double epoch) => Left + (float)((epoch - 1) / (lastEpoch - 1) * (Width - Left - Right));
        float Y(double v) => Height - Bottom - (float)((v - min) / (max - min) * (Height - Top - Bottom));

        string tickFormat = "F" + Math.Clamp((int)Math.Ceiling(-Math.Log10((max - min) / 5)) + 1, 0, 6).ToString(CultureInfo.InvariantCulture);
        for (int i = 0; i <= 5; i++)
        {
            double v = min + ((max - min) * i / 5);
            canvas.DrawLine(Left, Y(v), Width - Right, Y(v), grid);
            text.TextAlign = SKTextAlign.Right;
            canvas.DrawText(v.ToString(tickFormat, CultureInfo.InvariantCulture), Left - 6, Y(v) + 5, text);
        }

        text.TextAlign = SKTextAlign.Center;
        for (int epoch = 1; epoch <= lastEpoch; epoch++)
        {
            canvas.DrawLine(X(epoch), Height - Bottom, X(epoch), Height - Bottom + 5, axis);
            canvas.DrawText(epoch.ToString(CultureInfo.InvariantCulture), X(epoch), Height - Bottom + 22, text);
        }

        canvas.DrawRect(Left, Top, Width - Left - Right, Height - Top - Bottom, axis);
        canvas.DrawText("epoch", (Left + Width - Right) / 2f, Height - 12, text);
        using (var titlePaint = TextPaint(17))
        {
            titlePaint.TextAlign = SKTextAlign.Center;
            canvas.DrawText(title, Width / 2f, 30, titlePaint);
        }

        canvas.Save();
        canvas.RotateDegrees(-90, 22, (Top + Height - Bottom) / 2f);
        canvas.DrawText(yLabel, 22, ((Top + Height - Bottom) / 2f) + 5, text);
        canvas.Restore();

        for (int s = 0; s < series.Length; s++)
        {
            using var line = new SKPaint { Color = SeriesColors[s % SeriesColors.Length], StrokeWidth = 2.5f, IsAntialias = true, Style = SKPaintStyle.Stroke };
            using var dot = new SKPaint { Color = line.Color, IsAntialias = true, Style = SKPaintStyle.Fill };
            SKPoint[] points = history.Select(m => new SKPoint(X(m.Epoch), Y(series[s].Value(m)))).ToArray();
            for (int i = 1; i < points.Length; i++)
            {
                canvas.DrawLine(points[i - 1], points[i], line);
            }

            foreach (SKPoint p in points)
            {
                canvas.DrawCircle(p, 4.5f, dot);
            }

            text.TextAlign = SKTextAlign.Left;
            float legendY = Top + 22 + (s * 20);
            float legendX = Width - Right - 12 - text.MeasureText(series[s].Name) - 32;
            canvas.DrawLine(legendX, legendY - 5, legendX + 25, legendY - 5, line);
            canvas.DrawText(series[s].Name, legendX + 32, legendY, text);
        }

        Save(surface, path);
    }

    /// <summary>
    /// The confusion matrix as a heat map: rows are the true classes, columns the predicted ones, each cell
    /// shaded by its share of the row (the class's recall on the diagonal) and labelled with its count.
    /// </summary>
    public static void ConfusionMatrix(string path, IReadOnlyList<string> classNames, IReadOnlyList<IReadOnlyList<double>> counts)
    {
        int n = classNames.Count;
        const int Cell = 60, Left = 150, Top = 60, Bottom = 130, Right = 30;
        int width = Left + (n * Cell) + Right, height = Top + (n * Cell) + Bottom;
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        SKCanvas canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var text = TextPaint(14);
        using var fill = new SKPaint { Style = SKPaintStyle.Fill };
        using var border = new SKPaint { Color = new SKColor(0xc0, 0xc0, 0xc0), Style = SKPaintStyle.Stroke, StrokeWidth = 1 };

        for (int row = 0; row < n; row++)
        {
            double total = counts[row].Sum();
            for (int col = 0; col < n; col++)
            {
                double share = total == 0 ? 0 : counts[row][col] / total;
                // White to dark blue, with a square root so that small confusions still show.
                double t = Math.Sqrt(share);
                fill.Color = new SKColor((byte)(255 - (t * 247)), (byte)(255 - (t * 207)), (byte)(255 - (t * 148)));
                var rect = SKRect.Create(Left + (col * Cell), Top + (row * Cell), Cell, Cell);
                canvas.DrawRect(rect, fill);
                canvas.DrawRect(rect, border);
                text.Color = t > 0.6 ? SKColors.White : SKColors.Black;
                text.TextAlign = SKTextAlign.Center;
                canvas.DrawText(counts[row][col].ToString("0", CultureInfo.InvariantCulture), rect.MidX, rect.MidY + 5, text);
            }
        }

        text.Color = SKColors.Black;
        for (int i = 0; i < n; i++)
        {
            text.TextAlign = SKTextAlign.Right;
            canvas.DrawText(classNames[i], Left - 8, Top + (i * Cell) + (Cell / 2f) + 5, text);
            float x = Left + (i * Cell) + (Cell / 2f), y = Top + (n * Cell) + 10;
            canvas.Save();
            canvas.RotateDegrees(-45, x, y);
            canvas.DrawText(classNames[i], x, y + 5, text);
            canvas.Restore();
        }

        using var label = TextPaint(15);
        label.TextAlign = SKTextAlign.Center;
        canvas.DrawText("predicted class", Left + (n * Cell / 2f), height - 12, label);
        canvas.Save();
        canvas.RotateDegrees(-90, 18, Top + (n * Cell / 2f));
        canvas.DrawText("true class", 18, Top + (n * Cell / 2f) + 5, label);
        canvas.Restore();
        using var titlePaint = TextPaint(17);
        titlePaint.TextAlign = SKTextAlign.Center;
        canvas.DrawText("Confusion matrix (test set; shade = share of the true class)", width / 2f, 32, titlePaint);
        Save(surface, path);
    }

    private static SKPaint TextPaint(float size) => new() { Color = SKColors.Black, IsAntialias = true, TextSize = size, Typeface = Font.Value };

    private static void Save(SKSurface surface, string path)
    {
        using SKImage image = surface.Snapshot();
        using SKData data = image.Encode(SKEncodedImageFormat.Png, 100);
        using FileStream file = File.Create(path);
        data.SaveTo(file);
    }
}
