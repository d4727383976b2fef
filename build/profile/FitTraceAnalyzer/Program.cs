// Summarises a dotnet-trace sampled-thread-time trace of the estimator benchmark, restricted to the time inside
// InceptionEstimator.Fit. Counts samples (EventPipe's sample profiler samples every managed thread each tick; a
// sample is "External" when the thread is in native code, i.e. below a P/Invoke or in the runtime).
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.EventPipe;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string path = args[0];
string etlx = TraceLog.CreateFromEventPipeDataFile(path, Path.ChangeExtension(path, ".etlx"));
using var log = new TraceLog(etlx);

var names = new Dictionary<int, int>();      // code address index -> name id
var nameList = new List<string>();           // "Module!Method"
var samples = new List<Sample>();
var gcs = new List<(double Start, double End, int Gen)>();
var gcStarts = new Dictionary<int, (double Time, int Gen)>();
int NameId(TraceCallStack cs)
{
    int key = (int)cs.CodeAddress.CodeAddressIndex;
    if (!names.TryGetValue(key, out int id))
    {
        string method = cs.CodeAddress.FullMethodName;
        string module = cs.CodeAddress.ModuleName;
        id = nameList.Count;
        nameList.Add($"{(string.IsNullOrEmpty(module) ? "?" : module)}!{(string.IsNullOrEmpty(method) ? "?" : method)}");
        names[key] = id;
    }

    return id;
}

foreach (TraceEvent e in log.Events)
{
    switch (e)
    {
        case ClrThreadSampleTraceData s:
            var frames = new List<int>();
            for (TraceCallStack? cs = s.CallStack(); cs is not null; cs = cs.Caller)
            {
                frames.Add(NameId(cs));
            }

            frames.Reverse();
            samples.Add(new Sample(s.TimeStampRelativeMSec, s.ThreadID, s.Type == ClrThreadSampleType.External, frames.ToArray()));
            break;
        case GCStartTraceData g:
            gcStarts[g.Count] = (g.TimeStampRelativeMSec, g.Depth);
            break;
        case GCEndTraceData g when gcStarts.Remove(g.Count, out var start):
            gcs.Add((start.Time, g.TimeStampRelativeMSec, start.Gen));
            break;
    }
}

bool Has(Sample s, Regex rx) => s.Frames.Any(f => rx.IsMatch(nameList[f]));
string Short(string name, int width = 92)
{
    string n = name.Contains('!') ? name[(name.IndexOf('!') + 1)..] : name;
    int paren = n.IndexOf('(');
    n = paren >= 0 ? n[..paren] + "()" : n;
    return n.Length <= width ? n : "..." + n[^(width - 3)..];
}

string Module(string name) => name.Contains('!') ? name[..name.IndexOf('!')] : "?";

// The managed method a sample is in: the innermost frame that is a real method (not an IL stub).
string Caller(Sample s)
{
    for (int i = s.Frames.Length - 1; i >= 0; i--)
    {
        string n = nameList[s.Frames[i]];
        if (!n.Contains("IL_STUB", StringComparison.Ordinal) && !n.EndsWith("!?", StringComparison.Ordinal))
        {
            return n;
        }
    }

    return "?!?";
}

var fitRx = new Regex(@"InceptionEstimator\.Fit\(", RegexOptions.Compiled);
var fitSamples = samples.Where(s => Has(s, fitRx)).ToList();
if (fitSamples.Count == 0)
{
    Console.WriteLine("No sample inside InceptionEstimator.Fit: nothing to analyse.");
    return;
}

int fitThread = fitSamples.GroupBy(s => s.Thread).OrderByDescending(g => g.Count()).First().Key;
fitSamples = fitSamples.Where(s => s.Thread == fitThread).ToList();
double fitStart = fitSamples.Min(s => s.Time), fitEnd = fitSamples.Max(s => s.Time);
double wall = fitEnd - fitStart;
var ticks = fitSamples.Select(s => s.Time).Order().ToArray();
double period = ticks.Zip(ticks.Skip(1), (a, b) => b - a).Order().ElementAtOrDefault(ticks.Length / 2);
Console.WriteLine($"Fit ran on thread {fitThread} from {fitStart / 1000:F1} s to {fitEnd / 1000:F1} s of the trace ({wall / 1000:F1} s wall); " +
    $"{fitSamples.Count} samples on that thread, one every {wall / fitSamples.Count:F2} ms on average (median gap {period:F2} ms; longer gaps while the runtime is suspended, e.g. for a GC).");
double ms(int count) => count * wall / fitSamples.Count;
string Pct(double part, double whole) => whole > 0 ? $"{100 * part / whole,5:F1} %" : "    - ";

Console.WriteLine("\nPhases of Fit on its thread (samples with the frame on the stack; native = below a P/Invoke or in the runtime):");
Console.WriteLine($"  {"phase",-52} {"seconds",8} {"of Fit",8} {"native",8} {"managed",8}");
foreach ((string label, string pattern) in new[]
{
    ("ImageDataReader.Read (ML.NET cursors -> tensor)", @"ImageDataReader\.Read\("),
    ("InceptionTrainer.Normalization (mean, std)", @"InceptionTrainer\.Normalization\("),
    ("new GoogLeNet (build, initialise weights)", @"Microsoft\.ML\.Inception\.GoogLeNet\.\.ctor\("),
    ("InceptionTrainer.Fit (the epochs)", @"InceptionTrainer\.Fit\("),
    ("network.save (weights to bytes)", @"Module.*\.save\("),
    ("GoogLeNetOnnxExporter.Export", @"GoogLeNetOnnxExporter\.Export\("),
    ("ClassifierHead.Fit, ScoringChain.Build (ONNX Runtime)", @"ClassifierHead\.Fit\(|ScoringChain\.Build\("),
})
{
    var rx = new Regex(pattern);
    var hits = fitSamples.Where(s => Has(s, rx)).ToList();
    int native = hits.Count(s => s.Native);
    Console.WriteLine($"  {label,-52} {ms(hits.Count) / 1000,8:F2} {Pct(hits.Count, fitSamples.Count),8} {Pct(native, hits.Count),8} {Pct(hits.Count - native, hits.Count),8}");
}

// The training loop, split by operation: the outermost frame below InceptionTrainer.Fit that matches a rule wins.
var rules = new (string Label, Regex Rx)[]
{
    ("forward (GoogLeNet.ForwardWithAuxiliary)", new(@"ForwardWithAuxiliary\(|GoogLeNet\.forward\(")),
    ("loss (cross_entropy, auxiliary losses)", new(@"InceptionTrainer\.Loss\(|cross_entropy\(")),
    ("backward (Tensor.backward)", new(@"Tensor\.backward\(")),
    ("optimizer.step", new(@"(SGD|Adam|AdamW|Optimizer|OptimizerHelper)\.(step|_step)\(")),
    ("optimizer.zero_grad", new(@"zero_grad\(")),
    ("Tensor.item (loss value, accuracy count)", new(@"Tensor\.item")),
    ("BatchAugmenter.Apply (random crop, flip)", new(@"BatchAugmenter\.Apply\(")),
    ("batch gather, normalise (index_select, to)", new(@"index_select\(|InceptionTrainer\.Normalize\(|Tensor\.(to|cpu|narrow|sub|div)\(")),
    ("accuracy (argmax, eq, sum)", new(@"Tensor\.(argmax|eq|sum)\(")),
    ("dispose scope, tensor disposal", new(@"DisposeScope|Tensor\.Dispose\(")),
    ("learning-rate schedule", new(@"SetLearningRate\(|LearningRateScheduler\.")),
    ("epoch set-up (randperm, seeds), report", new(@"randperm\(|manual_seed\(|Generator\.|InceptionTrainer\.Report\(")),
    ("optimizer state save", new(@"SaveOptimizer\(|save_state_dict\(")),
};
const string Loop = "InceptionTrainer.Fit(";
var ops = new Dictionary<string, (int All, int Native)>();
int loopCount = 0;
foreach (Sample s in fitSamples)
{
    int at = Array.FindIndex(s.Frames, f => nameList[f].Contains(Loop, StringComparison.Ordinal));
    if (at < 0)
    {
        continue;
    }

    loopCount++;
    string op = "other (InceptionTrainer.Fit itself)";
    for (int i = at + 1; i < s.Frames.Length; i++)
    {
        string n = nameList[s.Frames[i]];
        if (rules.FirstOrDefault(r => r.Rx.IsMatch(n)) is { Label: not null } rule)
        {
            op = rule.Label;
            break;
        }
    }

    ops.TryGetValue(op, out var c);
    ops[op] = (c.All + 1, c.Native + (s.Native ? 1 : 0));
}

if (loopCount > 0)
{
    Console.WriteLine($"\nThe training loop (InceptionTrainer.Fit: {ms(loopCount) / 1000:F1} s on the Fit thread), by operation:");
    Console.WriteLine($"  {"operation",-52} {"seconds",8} {"of loop",8} {"native",8} {"managed",8}");
    foreach (var (op, c) in ops.OrderByDescending(kv => kv.Value.All))
    {
        Console.WriteLine($"  {op,-52} {ms(c.All) / 1000,8:F2} {Pct(c.All, loopCount),8} {Pct(c.Native, c.All),8} {Pct(c.All - c.Native, c.All),8}");
    }
}

// Every managed thread inside the Fit window, by kind of work.
var waitRx = new Regex(@"Monitor\.(Wait|Enter|ReliableEnter)|Thread\.(Sleep|Join|Yield)|SemaphoreSlim\.Wait|WaitHandle\.|WaitOne|" +
    @"LowLevel\w*(Semaphore|Monitor|Lock)|ManualResetEventSlim\.Wait|SpinWait|SpinOnce|WaitSubsystem|BlockingCollection|" +
    @"Task\.(Wait|InternalWait)|Interop\+Sys\.(Poll|Read|WaitPid)|WaitForSingle|GC\.RunFinalizers|WaitForPendingFinalizers");
(string Kind, string Caller) Kind(Sample s)
{
    string caller = Caller(s);
    if (waitRx.IsMatch(caller))
    {
        return ("waiting, blocked or spinning", caller);
    }

    if (s.Native)
    {
        string module = Module(caller);
        return module switch
        {
            "TorchSharp" => ("native: libtorch through TorchSharp's P/Invokes", caller),
            _ when module.Contains("OnnxRuntime", StringComparison.Ordinal) => ("native: ONNX Runtime", caller),
            _ => ("native: runtime and other (JIT, type loads, GC, I/O)", caller),
        };
    }

    return ($"managed: {Module(caller)}", caller);
}

// The innermost frame of this repository's library (or of the benchmark) on a sample's stack, to say where a hot
// TorchSharp or runtime method was called from.
string Ours(Sample s)
{
    for (int i = s.Frames.Length - 1; i >= 0; i--)
    {
        string n = nameList[s.Frames[i]];
        if (n.StartsWith("Microsoft.ML.Inception!", StringComparison.Ordinal) || n.StartsWith("Benchmarks!", StringComparison.Ordinal))
        {
            return Short(n, 60);
        }
    }

    return "-";
}

var window = samples.Where(s => s.Time >= fitStart && s.Time <= fitEnd).ToList();
var kinds = new Dictionary<string, int>();
var perThread = new Dictionary<int, Dictionary<string, int>>();
var nativeCallers = new Dictionary<string, int>();
var managedMethods = new Dictionary<string, int>();
var finalizerThreads = new HashSet<int>(samples.Where(s => s.Frames.Any(f => nameList[f].Contains("RunFinalizers", StringComparison.Ordinal))).Select(s => s.Thread));
foreach (Sample s in window)
{
    (string kind, string caller) = Kind(s);
    kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
    var t = perThread.TryGetValue(s.Thread, out var d) ? d : perThread[s.Thread] = new();
    string group = kind.StartsWith("native", StringComparison.Ordinal) ? "native" : kind.StartsWith("managed", StringComparison.Ordinal) ? "managed" : "waiting";
    t[group] = t.GetValueOrDefault(group) + 1;
    string where = $"{Short(caller, 60)}  [in {Ours(s)}]";
    if (group == "native")
    {
        nativeCallers[where] = nativeCallers.GetValueOrDefault(where) + 1;
    }
    else if (group == "managed")
    {
        managedMethods[where] = managedMethods.GetValueOrDefault(where) + 1;
    }
}

int busy = window.Count - kinds.GetValueOrDefault("waiting, blocked or spinning");
Console.WriteLine($"\nAll managed threads inside the Fit window: {window.Count} samples on {perThread.Count} threads (wall-clock samples, " +
    "not CPU time; libtorch's OpenMP worker threads are not managed threads and are not sampled):");
foreach (var (kind, count) in kinds.OrderByDescending(kv => kv.Value))
{
    if (count >= window.Count / 500)
    {
        Console.WriteLine($"  {kind,-56} {ms(count) / 1000,7:F2} s {Pct(count, window.Count),8} of samples {Pct(kind.StartsWith("waiting", StringComparison.Ordinal) ? 0 : count, busy),8} of not waiting");
    }
}

Console.WriteLine("\n  Per thread (seconds inside the Fit window):");
foreach (var (thread, c) in perThread.OrderByDescending(kv => kv.Value.Values.Sum()))
{
    int all = c.Values.Sum();
    if (all < window.Count / 200)
    {
        continue;
    }

    string label = thread == fitThread ? " (Fit)" : finalizerThreads.Contains(thread) ? " (finalizer)" : string.Empty;
    Console.WriteLine($"    thread {thread}{label,-12} {ms(all) / 1000,6:F1} s: native {Pct(c.GetValueOrDefault("native"), all)}, managed {Pct(c.GetValueOrDefault("managed"), all)}, waiting {Pct(c.GetValueOrDefault("waiting"), all)}");
}

Console.WriteLine("\n  Top methods that called into native code (P/Invoke or runtime) [innermost frame of our code], % of the not-waiting samples in Fit:");
foreach (var (m, c) in nativeCallers.OrderByDescending(kv => kv.Value).Take(12))
{
    Console.WriteLine($"    {Pct(c, busy)} {ms(c) / 1000,6:F2} s  {m}");
}

Console.WriteLine("\n  Top managed methods by exclusive samples [innermost frame of our code], % of the not-waiting samples in Fit:");
foreach (var (m, c) in managedMethods.OrderByDescending(kv => kv.Value).Take(15))
{
    Console.WriteLine($"    {Pct(c, busy)} {ms(c) / 1000,6:F2} s  {m}");
}

// Garbage collections from the runtime's GC events (dotnet-common profile): GCStart..GCEnd.
var loopSamples = fitSamples.Where(s => s.Frames.Any(f => nameList[f].Contains(Loop, StringComparison.Ordinal))).ToList();
void Gc(string label, double from, double to)
{
    var inside = gcs.Where(g => g.Start >= from && g.End <= to).ToList();
    if (to <= from)
    {
        return;
    }

    double time = inside.Sum(g => g.End - g.Start);
    Console.WriteLine($"  {label,-34} {(to - from) / 1000,7:F1} s wall: {inside.Count(g => g.Gen == 0)} gen0, {inside.Count(g => g.Gen == 1)} gen1, {inside.Count(g => g.Gen == 2)} gen2 GCs; " +
        $"{time:F0} ms from GCStart to GCEnd ({Pct(time, to - from).Trim()} of the wall time)");
}

Console.WriteLine(gcs.Count == 0 ? "\nNo GC events in the trace." : "\nGarbage collections (runtime GC events of the same run):");
if (gcs.Count > 0)
{
    Gc("whole trace", 0, samples.Max(s => s.Time));
    Gc("Fit", fitStart, fitEnd);
    if (loopSamples.Count > 0)
    {
        Gc("training loop (InceptionTrainer.Fit)", loopSamples.Min(s => s.Time), loopSamples.Max(s => s.Time));
    }
}

internal sealed record Sample(double Time, int Thread, bool Native, int[] Frames);
