namespace Microsoft.ML.Inception.Tests.Data;

/// <summary>
/// Passes a data view through unchanged and counts the cursors opened on it: a test can then tell that nothing read a
/// single row, which no timing can tell on a machine shared with other work.
/// </summary>
internal sealed class CursorCountingDataView(IDataView inner) : IDataView
{
    /// <summary>Row cursors and cursor sets opened so far.</summary>
    public int CursorsOpened { get; private set; }

    public bool CanShuffle => inner.CanShuffle;

    public DataViewSchema Schema => inner.Schema;

    public long? GetRowCount() => inner.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        CursorsOpened++;
        return inner.GetRowCursor(columnsNeeded, rand);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        CursorsOpened++;
        return inner.GetRowCursorSet(columnsNeeded, n, rand);
    }
}
