// MSBuild task compiled by RoslynCodeTaskFactory (netstandard2.0 API only: no Span, no BinaryPrimitives).
//
// Why it exists: TorchSharp 0.107.0's libLibTorchSharp.so was linked by GCC 13 and records a need for
// the symbol version GLIBCXX_3.4.32. The only symbol behind it is std::ios_base_library_init(), which
// GCC 13's <iostream> references but nothing calls. Debian 12 and Ubuntu 22.04 ship libstdc++ up to
// GLIBCXX_3.4.30, so the dynamic loader refuses the library. Marking that one version requirement
// weak (VER_FLG_WEAK in its Elf64_Vernaux entry) makes the loader accept it; libtorch itself needs
// only GLIBCXX_3.4.26. The edit changes one byte, never grows the file, and is idempotent.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class PatchLibTorchSharpGlibcxx : Task
{
    private const string RequiredVersion = "GLIBCXX_3.4.32";
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>Copies of libLibTorchSharp.so to make loadable.</summary>
    [Required]
    public ITaskItem[] Files { get; set; } = new ITaskItem[0];

    /// <summary>auto (patch only if this machine's libstdc++ lacks the version), always, or never.</summary>
    public string Mode { get; set; } = "auto";

    /// <summary>Files that were changed by this run.</summary>
    [Output]
    public ITaskItem[] PatchedFiles { get; set; } = new ITaskItem[0];

    public override bool Execute()
    {
        string mode = (Mode ?? "auto").Trim().ToLowerInvariant();
        if (mode == "never" || Files.Length == 0)
        {
            return true;
        }

        if (mode != "auto" && mode != "always")
        {
            Log.LogError("InceptionLibTorchSharpPatch must be 'auto', 'always' or 'never', got '{0}'.", Mode);
            return false;
        }

        if (mode == "auto" && HostLibStdCxxProvides(RequiredVersion))
        {
            Log.LogMessage(MessageImportance.Low, "libstdc++ on this machine provides {0}; libLibTorchSharp.so left as shipped.", RequiredVersion);
            return true;
        }

        var patched = new List<ITaskItem>();
        foreach (ITaskItem item in Files)
        {
            string path = item.GetMetadata("FullPath");
            if (!File.Exists(path))
            {
                continue;
            }

            try
            {
                if (MakeVersionNeedWeak(path, RequiredVersion))
                {
                    patched.Add(item);
                    Log.LogMessage(MessageImportance.Normal, "Marked the {0} requirement of {1} weak so TorchSharp loads with this libstdc++.", RequiredVersion, path);
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is InvalidDataException)
            {
                Log.LogError("Could not make {0} loadable on this libstdc++ (needs {1}): {2}", path, RequiredVersion, e.Message);
                return false;
            }
        }

        PatchedFiles = patched.ToArray();
        return true;
    }

    /// <summary>True when the libstdc++ the loader would pick for this process defines the version.</summary>
    private static bool HostLibStdCxxProvides(string version)
    {
        if (Environment.OSVersion.Platform != PlatformID.Unix || !Directory.Exists("/proc"))
        {
            // Not a Linux host (for example a linux-x64 publish from Windows): the target's libstdc++ is
            // unknown, and the weak flag is harmless where the version exists, so patch.
            return false;
        }

        byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
        foreach (string candidate in LibStdCxxCandidates())
        {
            if (File.Exists(candidate) && Contains(File.ReadAllBytes(candidate), needle))
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<string> LibStdCxxCandidates()
    {
        // The copy already mapped into this (dotnet) process is exactly the one the loader resolves here.
        string maps = "/proc/self/maps";
        if (File.Exists(maps))
        {
            foreach (string line in File.ReadAllLines(maps))
            {
                int slash = line.IndexOf('/');
                if (slash >= 0 && line.IndexOf("libstdc++.so", StringComparison.Ordinal) >= 0)
                {
                    yield return line.Substring(slash).Trim();
                    yield break;
                }
            }
        }

        foreach (string dir in new[] { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib" })
        {
            yield return Path.Combine(dir, "libstdc++.so.6");
        }
    }

    /// <summary>
    /// Sets VER_FLG_WEAK on the Elf64_Vernaux entry naming <paramref name="version"/>. Returns false when
    /// the file needs no change (no such requirement, or already weak). Writes through a temporary file
    /// and a rename, so a hard link into the NuGet cache is never modified and a crash leaves no half file.
    /// </summary>
    private static bool MakeVersionNeedWeak(string path, string version)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException("not an ELF file");
        }

        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("expected a 64-bit little-endian ELF file");
        }

        long sectionHeaders = (long)U64(elf, 0x28);
        int sectionHeaderSize = U16(elf, 0x3A);
        int sectionCount = U16(elf, 0x3C);
        for (int i = 0; i < sectionCount; i++)
        {
            long header = sectionHeaders + ((long)i * sectionHeaderSize);
            if (U32(elf, header + 4) != ShtGnuVerneed)
            {
                continue;
            }

            long verneed = (long)U64(elf, header + 0x18);
            int entries = (int)U32(elf, header + 0x2C);
            long strings = (long)U64(elf, sectionHeaders + ((long)U32(elf, header + 0x28) * sectionHeaderSize) + 0x18);
            long need = verneed;
            for (int n = 0; n < entries; n++)
            {
                int auxCount = U16(elf, need + 2);
                long aux = need + U32(elf, need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    if (CString(elf, strings + U32(elf, aux + 8)) == version)
                    {
                        int flags = U16(elf, aux + 4);
                        if ((flags & VerFlagWeak) != 0)
                        {
                            return false;
                        }

                        flags |= VerFlagWeak;
                        elf[aux + 4] = (byte)(flags & 0xff);
                        elf[aux + 5] = (byte)(flags >> 8);
                        ReplaceKeepingTimestamp(path, elf);
                        return true;
                    }

                    aux += U32(elf, aux + 12);
                }

                need += U32(elf, need + 12);
            }
        }

        return false;
    }

    private static void ReplaceKeepingTimestamp(string path, byte[] contents)
    {
        // Same size and timestamp as the package's copy: MSBuild's incremental copy then keeps the patched
        // file instead of copying the original over it on every build.
        DateTime lastWrite = File.GetLastWriteTimeUtc(path);
        string temporary = path + ".inception-patch.tmp";
        File.WriteAllBytes(temporary, contents);
        File.SetLastWriteTimeUtc(temporary, lastWrite);
        File.Replace(temporary, path, null);
    }

    private static int U16(byte[] b, long o) => b[o] | (b[o + 1] << 8);

    private static uint U32(byte[] b, long o) => (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));

    private static ulong U64(byte[] b, long o) => U32(b, o) | ((ulong)U32(b, o + 4) << 32);

    private static string CString(byte[] b, long o)
    {
        long end = o;
        while (end < b.Length && b[end] != 0)
        {
            end++;
        }

        return Encoding.ASCII.GetString(b, (int)o, (int)(end - o));
    }

    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }

            if (j == needle.Length)
            {
                return true;
            }
        }

        return false;
    }
}
