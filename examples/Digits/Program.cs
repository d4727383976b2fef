// Trains GoogLeNet (torchvision variant, width-reduced) on OpenCV's 5,000 handwritten digits with a
// plain TorchSharp loop: 400 images per digit for training, the other 100 per digit held out.
//   dotnet run -c Release --project examples/Digits -- [--epochs 3] [--width 0.25] [--size 32] [--batch 64]
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Inception;
using Microsoft.ML.Inception.Samples;
using TorchSharp;
using static TorchSharp.torch;

int epochs = IntArg("--epochs", 3);
double widthMultiplier = DoubleArg("--width", 0.25);
int size = IntArg("--size", 32);
int batchSize = IntArg("--batch", 64);
const int TrainPerClass = 400;

torch.manual_seed(2014);
IReadOnlyList<OpenCvDigits.Digit> digits = OpenCvDigits.Load(OpenCvDigits.FindSheet(AppContext.BaseDirectory));
var train = digits.Where(d => d.IndexInClass < TrainPerClass).ToList();
var test = digits.Where(d => d.IndexInClass >= TrainPerClass).ToList();
Console.WriteLine($"OpenCV digits: {train.Count} training and {test.Count} held-out images, 20x20 grey, resized to {size}x{size}.");

using Tensor trainImages = ToTensor(train, size);
using Tensor testImages = ToTensor(test, size);
using Tensor trainLabels = torch.tensor(train.Select(d => (long)d.Label).ToArray());
using Tensor testLabels = torch.tensor(test.Select(d => (long)d.Label).ToArray());
float mean = trainImages.mean().item<float>();
float std = trainImages.std().item<float>();

var options = new GoogLeNetOptions { NumberOfClasses = OpenCvDigits.Classes, InputChannels = 1, WidthMultiplier = widthMultiplier };
using var net = new GoogLeNet(options);
Console.WriteLine(net.Summarize(size, size));

using var optimizer = optim.SGD(net.parameters(), 0.05, momentum: 0.9, weight_decay: 5e-4);
var total = Stopwatch.StartNew();
for (int epoch = 1; epoch <= epochs; epoch++)
{
    net.train();
    var watch = Stopwatch.StartNew();
    using Tensor order = torch.randperm(train.Count);
    double lossSum = 0;
    long correct = 0;
    for (int start = 0; start < train.Count; start += batchSize)
    {
        using var scope = torch.NewDisposeScope();
        Tensor index = order.narrow(0, start, Math.Min(batchSize, train.Count - start));
        Tensor images = (trainImages.index_select(0, index) - mean) / std;
        Tensor labels = trainLabels.index_select(0, index);
        GoogLeNetOutput output = net.ForwardWithAuxiliary(images);
        Tensor loss = nn.functional.cross_entropy(output.Logits, labels)
            + (0.3 * nn.functional.cross_entropy(output.Auxiliary1!, labels))
            + (0.3 * nn.functional.cross_entropy(output.Auxiliary2!, labels));
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        lossSum += loss.item<float>() * labels.shape[0];
        correct += output.Logits.argmax(1).eq(labels).sum().item<long>();
    }

    double seconds = watch.Elapsed.TotalSeconds;
    double accuracy = Evaluate(net, testImages, testLabels, mean, std);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"epoch {epoch}/{epochs}: loss {lossSum / train.Count:F4}, train accuracy {(double)correct / train.Count:P1}, held-out accuracy {accuracy:P1}, {train.Count / seconds:F0} images/s"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Held-out accuracy {Evaluate(net, testImages, testLabels, mean, std):P2} on {test.Count} images (chance: 10%), trained in {total.Elapsed.TotalSeconds:F0} s."));

static double Evaluate(GoogLeNet net, Tensor images, Tensor labels, float mean, float std)
{
    net.eval();
    using var noGrad = torch.no_grad();
    long correct = 0;
    for (int start = 0; start < images.shape[0]; start += 256)
    {
        using var scope = torch.NewDisposeScope();
        long count = Math.Min(256, images.shape[0] - start);
        Tensor logits = net.call((images.narrow(0, start, count) - mean) / std);
        correct += logits.argmax(1).eq(labels.narrow(0, start, count)).sum().item<long>();
    }

    return (double)correct / images.shape[0];
}

static Tensor ToTensor(List<OpenCvDigits.Digit> digits, int size)
{
    var pixels = new float[digits.Count * OpenCvDigits.CellSize * OpenCvDigits.CellSize];
    for (int i = 0; i < digits.Count; i++)
    {
        for (int p = 0; p < digits[i].Pixels.Length; p++)
        {
            pixels[(i * digits[i].Pixels.Length) + p] = digits[i].Pixels[p] / 255f;
        }
    }

    using Tensor cells = torch.tensor(pixels, [digits.Count, 1, OpenCvDigits.CellSize, OpenCvDigits.CellSize]);
    return nn.functional.interpolate(cells, [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
}

int IntArg(string name, int fallback) => int.Parse(Arg(name) ?? fallback.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

double DoubleArg(string name, double fallback) => double.Parse(Arg(name) ?? fallback.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

string? Arg(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
