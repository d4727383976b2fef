namespace Microsoft.ML.Inception.Tests.Examples;

/// <summary>
/// The notebooks of <c>examples/notebooks</c> run headless in their CI mode (INCEPTION_NOTEBOOK_QUICK=1: a few hundred
/// images, one epoch) and must finish with no cell in error. A deliberately failing notebook must be reported as a
/// failure, so that these tests cannot pass without running anything.
/// </summary>
[TestClass]
[TestCategory("Slow")] // Restores dotnet-repl, builds the notebooks' references and runs each notebook in a child process.
public sealed class NotebookTests
{
    private static readonly TimeSpan NotebookTimeout = TimeSpan.FromMinutes(5);
    private static Dictionary<string, string> quickMode = null!;
    private static string outputDirectory = null!;
    private static string temporary = null!;

    [ClassInitialize]
    public static void RestoreToolAndBuildReferences(TestContext context)
    {
        outputDirectory = Directory.CreateTempSubdirectory("inception-notebooks-").FullName;
        temporary = Directory.CreateTempSubdirectory("inception-notebooks-temp-").FullName;

        // The quickstart saves its model under a fixed name in the temp folder: the kernel's temp folder is these tests'
        // own (TMPDIR), so that the same notebook running elsewhere on the machine cannot write that file meanwhile.
        quickMode = new() { ["INCEPTION_NOTEBOOK_QUICK"] = "1", ["TMPDIR"] = temporary };
        NotebookRunner.Prepare();
    }

    [ClassCleanup]
    public static void DeleteOutputs()
    {
        Directory.Delete(outputDirectory, recursive: true);
        Directory.Delete(temporary, recursive: true);
    }

    [TestMethod]
    public void Quickstart_QuickMode_RunsWithoutErrors() => AssertRunsCleanly("01-quickstart.ipynb");

    [TestMethod]
    public void AutoMlStyleSweep_QuickMode_RunsWithoutErrors() => AssertRunsCleanly("02-automl-style-sweep.ipynb");

    [TestMethod]
    public void InsideGoogLeNet_QuickMode_RunsWithoutErrors() => AssertRunsCleanly("03-inside-googlenet.ipynb");

    [TestMethod]
    public void FailingNotebook_CellThrows_ReportedByExitCodeAndErrorOutput()
    {
        string notebook = Path.Combine(outputDirectory, "failing.ipynb");
        File.WriteAllText(notebook, """
            {
             "cells": [
              {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": ["Console.WriteLine(\"first cell\");"]},
              {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": ["throw new InvalidOperationException(\"deliberate notebook failure\");"]}
             ],
             "metadata": {"kernelspec": {"display_name": ".NET (C#)", "language": "C#", "name": ".net-csharp"}, "language_info": {"name": "polyglot-notebook"}},
             "nbformat": 4,
             "nbformat_minor": 5
            }
            """);

        NotebookRun run = NotebookRunner.Run(notebook, Path.Combine(outputDirectory, "executed"), quickMode, NotebookTimeout);

        Assert.IsFalse(run.Succeeded, run.Describe());
        Assert.AreNotEqual(0, run.ExitCode, run.Describe());
        Assert.HasCount(1, run.Errors, run.Describe());
        StringAssert.StartsWith(run.Errors[0], "cell 2: ");
        StringAssert.Contains(run.Errors[0], "deliberate notebook failure");
    }

    private static void AssertRunsCleanly(string notebook)
    {
        NotebookRun run = NotebookRunner.Run(notebook, outputDirectory, quickMode, NotebookTimeout);

        Assert.IsTrue(run.Succeeded, $"{notebook}: {run.Describe()}");
    }
}
