namespace Microsoft.ML.Inception;

/// <summary>Unsigned LEB128 numbers, as TorchSharp writes counts, element types and dimensions in its weight and optimiser files.</summary>
internal static class Leb128
{
    public static long Read(BinaryReader reader)
    {
        long result = 0;
        for (int shift = 0; shift < 63; shift += 7)
        {
            byte b = reader.ReadByte();
            result |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new FormatException("a LEB128 number longer than 63 bits");
    }

    public static void Write(BinaryWriter writer, long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            writer.Write(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
    }
}
