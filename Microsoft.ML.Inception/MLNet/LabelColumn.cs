using Microsoft.ML.Data;

namespace Microsoft.ML.Inception;

/// <summary>The label column: a key type whose key values (or key numbers) name the classes.</summary>
/// <param name="Type">The label's key type.</param>
/// <param name="ClassNames">One name per key, in key order.</param>
internal sealed record LabelColumn(KeyDataViewType Type, IReadOnlyList<string> ClassNames)
{
    /// <summary>What the label column must hold, as schema errors word it.</summary>
    public const string ExpectedType = "key type (use mlContext.Transforms.Conversion.MapValueToKey)";

    public int ClassCount => ClassNames.Count;

    /// <summary>
    /// Whether the key type carries key values (MapValueToKey's), so <see cref="ClassNames"/> are the user's class names;
    /// without them the names are the key numbers 1 to n, which say nothing about which class each key stands for.
    /// </summary>
    public bool HasKeyValues { get; init; }

    /// <exception cref="ArgumentOutOfRangeException">The column is missing or not a key type.</exception>
    public static LabelColumn Inspect(DataViewSchema schema, string name)
    {
        DataViewSchema.Column column = schema.GetColumnOrNull(name) ?? throw SchemaErrors.Missing("label", name);
        if (column.Type is not KeyDataViewType key || key.Count == 0 || key.Count > int.MaxValue)
        {
            throw SchemaErrors.Mismatch("label", name, ExpectedType, column.Type);
        }

        bool hasKeyValues = column.Annotations.Schema.GetColumnOrNull(AnnotationKind.KeyValues) is { Type: VectorDataViewType };
        return new LabelColumn(key, ClassNamesOf(column, (int)key.Count)) { HasKeyValues = hasKeyValues };
    }

    private static string[] ClassNamesOf(DataViewSchema.Column column, int count)
    {
        DataViewSchema.Column? keyValues = column.Annotations.Schema.GetColumnOrNull(AnnotationKind.KeyValues);
        if (keyValues is { Type: VectorDataViewType { ItemType: TextDataViewType } })
        {
            VBuffer<ReadOnlyMemory<char>> names = default;
            column.GetKeyValues(ref names);
            return names.DenseValues().Select(n => n.ToString()).ToArray();
        }

        if (keyValues is { Type: VectorDataViewType vector })
        {
            // Keys over numbers or other values: their text form names the class.
            var getValues = typeof(LabelColumn).GetMethod(nameof(KeyValuesAsText), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(vector.ItemType.RawType);
            return (string[])getValues.Invoke(null, [column])!;
        }

        return Enumerable.Range(0, count).Select(i => (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    private static string[] KeyValuesAsText<T>(DataViewSchema.Column column)
    {
        VBuffer<T> values = default;
        column.GetKeyValues(ref values);
        return values.DenseValues().Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty).ToArray();
    }
}
