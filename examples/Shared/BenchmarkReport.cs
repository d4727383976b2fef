using System.Text;
using System.Text.RegularExpressions;

namespace Microsoft.ML.Inception.Samples;

/// <summary>
/// BENCHMARKS.md: a header (title, machine) that every run rewrites, then one section per benchmark between
/// <c>&lt;!-- name:start --&gt;</c> and <c>&lt;!-- name:end --&gt;</c> markers. A run replaces only the sections it
/// measured and keeps every other one as the file holds it.
/// </summary>
internal sealed partial class BenchmarkReport
{
    private readonly List<(string Name, string Content)> sections = [];

    /// <summary>A section written before the file had markers: found by its heading, dated from the old header.</summary>
    public sealed record LegacySection(string Name, string Heading, string Command);

    /// <summary>Reads the sections of an existing report (none when the file does not exist).</summary>
    public static BenchmarkReport Load(string path, IEnumerable<LegacySection> legacy)
    {
        var report = new BenchmarkReport();
        if (!File.Exists(path))
        {
            return report;
        }

        string text = File.ReadAllText(path).ReplaceLineEndings("\n");
        int firstSection = SectionPattern().Match(text) is { Success: true } first ? first.Index : ("\n" + text).IndexOf("\n## ", StringComparison.Ordinal);
        report.Header = (firstSection < 0 ? text : text[..firstSection]).TrimEnd('\n') + "\n";
        foreach (Match m in SectionPattern().Matches(text))
        {
            report.Set(m.Groups["name"].Value, m.Groups["content"].Value);
        }

        // Files written before the markers existed: the whole report was one run, dated in its header.
        string? date = LegacyDatePattern().Match(text) is { Success: true } d ? d.Groups["date"].Value : null;
        foreach (LegacySection section in legacy.Where(s => !report.Has(s.Name)))
        {
            // The heading at the start of a line; a leading newline makes the first line count too.
            int start = ("\n" + text).IndexOf("\n" + section.Heading + "\n", StringComparison.Ordinal);
            if (start < 0)
            {
                continue;
            }

            int headingEnd = start + section.Heading.Length + 1;
            int next = text.IndexOf("\n## ", headingEnd, StringComparison.Ordinal);
            int marker = text.IndexOf("\n<!-- ", headingEnd, StringComparison.Ordinal);
            int end = new[] { next, marker, text.Length }.Where(i => i >= 0).Min();
            string body = text[headingEnd..end].TrimStart('\n');
            string dated = date is null ? string.Empty : $"Measured {date} with `{section.Command}`.\n\n";
            report.Set(section.Name, $"{section.Heading}\n\n{dated}{body}");
        }

        return report;
    }

    /// <summary>
    /// The file's header as it was read (everything before the first section), or <see langword="null"/> when there
    /// was no file: a run that does not describe the machine for the whole file keeps it as it is.
    /// </summary>
    public string? Header { get; private set; }

    public bool Has(string name) => sections.Exists(s => s.Name == name);

    /// <summary>Replaces (or adds) a section; <paramref name="content"/> starts with its own "## " heading.</summary>
    public void Set(string name, string content)
    {
        string normalised = content.ReplaceLineEndings("\n").Trim('\n') + "\n";
        int index = sections.FindIndex(s => s.Name == name);
        if (index >= 0)
        {
            sections[index] = (name, normalised);
        }
        else
        {
            sections.Add((name, normalised));
        }
    }

    /// <summary>The header, then the sections named in <paramref name="order"/>, then any others in file order.</summary>
    public string Render(string header, IReadOnlyList<string> order)
    {
        var text = new StringBuilder(header.ReplaceLineEndings("\n").TrimEnd('\n')).Append('\n');
        IEnumerable<(string Name, string Content)> ordered = order
            .SelectMany(name => sections.Where(s => s.Name == name))
            .Concat(sections.Where(s => !order.Contains(s.Name)));
        foreach ((string name, string content) in ordered)
        {
            text.Append('\n').Append($"<!-- {name}:start -->\n").Append(content).Append($"<!-- {name}:end -->\n");
        }

        return text.ToString();
    }

    [GeneratedRegex(@"<!-- (?<name>[A-Za-z0-9_-]+):start -->\n(?<content>.*?)<!-- \k<name>:end -->", RegexOptions.Singleline)]
    private static partial Regex SectionPattern();

    [GeneratedRegex(@"^Measured (?<date>\d{4}-\d{2}-\d{2}) on:", RegexOptions.Multiline)]
    private static partial Regex LegacyDatePattern();
}
