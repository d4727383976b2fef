// Classifies the images of a folder with a model zip saved by mlContext.Model.Save from a pipeline ending in
// Inception (and MapKeyToValue("PredictedLabel")): one line per image, "path<TAB>class<TAB>probability", the path
// relative to the folder. The images need no label. Stock ML.NET and ONNX Runtime only: no TorchSharp.
//   dotnet run -c Release --project examples/Serving -- model.zip image-folder [relative/path.png ...]
using System.CommandLine;
using Microsoft.ML.Inception.Serving;

var model = new Argument<FileInfo>("model")
{
    Description = "The model zip written by mlContext.Model.Save.",
}.AcceptExistingOnly();
var images = new Argument<DirectoryInfo>("images")
{
    Description = "The folder of images to classify.",
}.AcceptExistingOnly();
var files = new Argument<string[]>("files")
{
    Description = $"Images to classify, relative to the folder (default: every {string.Join(", ", ImageClassifier.Extensions)} file in it, at any depth).",
    Arity = ArgumentArity.ZeroOrMore,
};
var command = new RootCommand("Classifies images with a saved Inception model, using ML.NET and ONNX Runtime only.") { model, images, files };
command.SetAction(parsed => ImageClassifier.Run(
    parsed.GetValue(model)!, parsed.GetValue(images)!, parsed.GetValue(files) ?? [], Console.Out, Console.Error));
return command.Parse(args).Invoke();
