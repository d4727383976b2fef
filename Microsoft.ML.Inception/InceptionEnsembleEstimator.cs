using System.Globalization;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Inception;

/// <summary>
/// Trains several Inception models that differ only in their seed (weight initialisation, data order, augmentation and
/// dropout), as the GoogLeNet paper's ensemble did, and combines them into an <see cref="InceptionEnsembleTransformer"/>.
/// Create it with <c>mlContext.Transforms.InceptionEnsemble(options, models)</c>.
/// </summary>
/// <remarks>
/// Model i trains with seed s + i, where s is <see cref="InceptionOptions.Seed"/> or, when that is not set, drawn once
/// from the <c>MLContext</c>'s random source; training takes the members' time one after the other.
/// <see cref="InceptionOptions.EpochCompleted"/> is called for every epoch of every member.
/// </remarks>
public sealed class InceptionEnsembleEstimator : IEstimator<InceptionEnsembleTransformer>
{
    private readonly TransformsCatalog catalog;
    private readonly IHost host;
    private readonly InceptionOptions options;
    private readonly InceptionEstimator single;

    internal InceptionEnsembleEstimator(TransformsCatalog catalog, InceptionOptions options, int models)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (models < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(models), models, "An ensemble needs at least two models.");
        }

        single = new InceptionEstimator(catalog, options);
        this.catalog = catalog;
        host = CatalogEnvironment.Get(catalog).Register("InceptionEnsemble");
        this.options = options.Clone();
        Models = models;
    }

    /// <summary>The number of models trained.</summary>
    public int Models { get; }

    /// <summary>Trains <see cref="Models"/> models on <paramref name="input"/> and combines them.</summary>
    /// <param name="input">Training data with the image and label columns.</param>
    /// <returns>The ensemble.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type.</exception>
    /// <exception cref="OperationCanceledException"><see cref="InceptionOptions.CancellationToken"/> or the MLContext (<c>MLContext.CancelExecution()</c>) was cancelled.</exception>
    public InceptionEnsembleTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        int seed = options.Seed ?? host.Rand.Next();
        var members = new List<InceptionTransformer>();
        using (IChannel channel = host.Start("Ensemble"))
        {
            for (int i = 0; i < Models; i++)
            {
                InceptionOptions memberOptions = options.Clone();
                memberOptions.Seed = unchecked(seed + i);
                channel.Info(MessageSensitivity.None, string.Create(CultureInfo.InvariantCulture, $"Training ensemble model {i + 1} of {Models} (seed {memberOptions.Seed})."));
                members.Add(new InceptionEstimator(catalog, memberOptions).Fit(input));
            }
        }

        return InceptionEnsembleTransformer.Combine(members);
    }

    /// <summary>The columns <see cref="Fit"/> adds: the same as a single model's (see <see cref="InceptionEstimator.GetOutputSchema"/>).</summary>
    /// <param name="inputSchema">The shape of the training data.</param>
    /// <returns>The shape of the scored data.</returns>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => single.GetOutputSchema(inputSchema);
}
