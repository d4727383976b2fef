namespace Microsoft.ML.Inception.Tests.Network;

/// <summary>The library's OpenMP spin count: set when the user set nothing, and never over the user's own setting.</summary>
[TestClass]
public sealed class OpenMpSpinCountTests
{
    private static readonly Func<string, string?> Unset = _ => null;

    [TestMethod]
    public void Plan_NothingSet_SetsTheLibrarysSpinCount()
    {
        var (outcome, toSet) = OpenMpSpinCount.Plan(Unset, Unset);

        Assert.AreEqual(OpenMpSpinCount.Outcome.Applied, outcome);
        CollectionAssert.AreEqual(new[] { KeyValuePair.Create("GOMP_SPINCOUNT", OpenMpSpinCount.Default) }, toSet.ToArray());
    }

    [TestMethod]
    [DataRow("OMP_WAIT_POLICY", "PASSIVE")]
    [DataRow("OMP_WAIT_POLICY", "ACTIVE")]
    [DataRow("GOMP_SPINCOUNT", "250000")]
    [DataRow("GOMP_SPINCOUNT", "INFINITE")]
    public void Plan_UserSetAVariableBeforeTheProcessStarted_SetsNothing(string name, string value)
    {
        var (outcome, toSet) = OpenMpSpinCount.Plan(Only(name, value), Unset);

        Assert.AreEqual(OpenMpSpinCount.Outcome.UserSetting, outcome);
        Assert.IsEmpty(toSet);
    }

    [TestMethod]
    public void Plan_UserSetAVariableThroughDotnetOnly_CopiesItWhereLibgompReads()
    {
        var (outcome, toSet) = OpenMpSpinCount.Plan(Unset, Only("OMP_WAIT_POLICY", "PASSIVE"));

        Assert.AreEqual(OpenMpSpinCount.Outcome.UserSetting, outcome);
        CollectionAssert.AreEqual(new[] { KeyValuePair.Create("OMP_WAIT_POLICY", "PASSIVE") }, toSet.ToArray());
    }

    [TestMethod]
    public void Plan_EmptyValue_CountsAsUnset()
    {
        var (outcome, _) = OpenMpSpinCount.Plan(Only("GOMP_SPINCOUNT", string.Empty), Unset);

        Assert.AreEqual(OpenMpSpinCount.Outcome.Applied, outcome);
    }

    [TestMethod]
    public void State_ThisProcess_TheCEnvironmentHoldsWhatTheStateSays()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.AreEqual(OpenMpSpinCount.Outcome.NotLinux, OpenMpSpinCount.State);
            return;
        }

        string? spin = OpenMpSpinCount.NativeVariable("GOMP_SPINCOUNT");
        string? policy = OpenMpSpinCount.NativeVariable("OMP_WAIT_POLICY");
        switch (OpenMpSpinCount.State)
        {
            case OpenMpSpinCount.Outcome.Applied:
                Assert.AreEqual(OpenMpSpinCount.Default, spin);
                Assert.IsNull(policy);
                break;
            case OpenMpSpinCount.Outcome.UserSetting:
                Assert.IsTrue(spin is not null || policy is not null, "A user's setting is in the C environment.");
                break;
            case OpenMpSpinCount.Outcome.StartedBefore:
                Assert.AreNotEqual(OpenMpSpinCount.Default, spin, "Nothing is set once libtorch has started.");
                break;
            default:
                Assert.Fail($"Unexpected state {OpenMpSpinCount.State} on Linux.");
                break;
        }
    }

    private static Func<string, string?> Only(string name, string value) => n => n == name ? value : null;
}
