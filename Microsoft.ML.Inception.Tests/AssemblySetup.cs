using Microsoft.ML.Inception.Tests.Data;

namespace Microsoft.ML.Inception.Tests;

[TestClass]
public static class AssemblySetup
{
    [AssemblyCleanup]
    public static void DeleteTemporaryImages() => DigitImages.Delete();
}
