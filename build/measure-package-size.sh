#!/usr/bin/env bash
# What an application of the library downloads and ships: for each git revision given (default HEAD), a clean copy
# of the repository (git archive, so no earlier restore or build output counts), `dotnet restore examples/FashionMnist`
# into an empty NuGet packages folder and an empty HTTP cache, then `dotnet build -c Release --no-restore`.
# Writes the table into BENCHMARKS.md between <!-- packagesize:start --> and <!-- packagesize:end --> (appended at
# the end the first time): a row per revision measured, with its date; rows of other revisions measured before stay.
#   build/measure-package-size.sh [REVISION...]      e.g. build/measure-package-size.sh 15f4f03 HEAD
# Needs about 6 GB of free disk per revision in $TMPDIR (deleted afterwards) and network access to the NuGet feed.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
revisions=("$@")
[ ${#revisions[@]} -gt 0 ] || revisions=(HEAD)

mib() { awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }'; }

rows=""
for revision in "${revisions[@]}"; do
  commit=$(git -C "$repo" rev-parse --short "$revision")
  work=$(mktemp -d "${TMPDIR:-/tmp}/package-size-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/src" "$work/packages" "$work/http-cache"
  git -C "$repo" archive "$revision" | tar -x -C "$work/src"
  export NUGET_PACKAGES="$work/packages" NUGET_HTTP_CACHE_PATH="$work/http-cache" DOTNET_CLI_TELEMETRY_OPTOUT=1

  echo "== $commit: restore" >&2
  start=$(date +%s)
  dotnet restore "$work/src/examples/FashionMnist" -v quiet >&2
  restore_s=$(( $(date +%s) - start ))
  packages_bytes=$(du -sb "$work/packages" | cut -f1)
  download_bytes=$(find "$work/packages" -name '*.nupkg' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
  package_count=$(find "$work/packages" -name '*.nupkg' | wc -l)
  mlnet=$(find "$work/packages/microsoft.ml" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -1)
  torch_packages=$(find "$work/packages" -mindepth 1 -maxdepth 1 \( -iname 'torchsharp*' -o -iname 'libtorch*' \) -printf '%f\n' | sort | paste -sd, - | sed 's/,/, /g')

  echo "== $commit: build" >&2
  dotnet build "$work/src/examples/FashionMnist" -c Release --no-restore -v quiet -nologo >&2
  output="$work/src/examples/FashionMnist/bin/Release"
  output_bytes=$(du -sb "$output" | cut -f1)
  torch_bytes=$(find "$output" \( -name '*torch*' -o -name 'libc10*' -o -name 'c10*' -o -name '*gomp*' -o -name 'libiomp*' -o -name 'libomp*' -o -name 'uv.dll' -o -name 'asmjit*' -o -name 'fbgemm*' \) -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
  in_output=$(find "$output" -path '*/runtimes/*/native/*torch_cpu*' -printf '%h\n' | sed -E 's|.*/runtimes/([^/]+)/native|\1|' | sort -u | paste -sd, - | sed 's/,/, /g')

  rows+="| \`$commit\` Microsoft.ML ${mlnet:-?}; $torch_packages | $(date -u +%Y-%m-%d) | $package_count | $(mib "$download_bytes") | $(mib "$packages_bytes") | ${restore_s} s | $(mib "$output_bytes") | $(mib "$torch_bytes") | ${in_output:-none} |"$'\n'
  echo "$commit: download $(mib "$download_bytes"), packages folder $(mib "$packages_bytes"), build output $(mib "$output_bytes") (TorchSharp and libtorch packages: $torch_packages)" >&2
  rm -rf "$work"
  trap - EXIT
done

benchmarks="$repo/BENCHMARKS.md"
# Rows of revisions not measured now, from an earlier run.
measured=$(printf '%s' "$rows" | sed -E 's/^\| `([0-9a-f]+)`.*/\1/')
kept=$(awk '/<!-- packagesize:start -->/ { in_section = 1 } /<!-- packagesize:end -->/ { in_section = 0 } in_section && /^\| `/' "$benchmarks" \
  | grep -v -F -f <(printf '| `%s`\n' $measured) || true)
[ -z "$kept" ] || rows="$kept"$'\n'"$rows"

machine="$(. /etc/os-release && echo "$PRETTY_NAME"), $(nproc) cores, .NET SDK $(dotnet --version)"
section=$(cat <<EOF
<!-- packagesize:start -->
## Package size: what an application restores and ships

Each row is \`build/measure-package-size.sh REVISION\` on $machine, on the date shown.
For each revision: a clean copy (\`git archive\`), \`dotnet restore examples/FashionMnist\` into an empty \`NUGET_PACKAGES\` folder and an empty HTTP
cache, then \`dotnet build -c Release --no-restore\`. *Download* is the sum of the \`.nupkg\` files restored (what NuGet
fetched); *packages folder* is \`du\` of \`NUGET_PACKAGES\` after the restore (archives and their unpacked contents);
*build output* is \`du\` of \`examples/FashionMnist/bin/Release\`, of which *libtorch and TorchSharp* are the native
libraries; the first column names the ML.NET version and the TorchSharp and libtorch packages restored, the last the
runtime folders of the output that hold libtorch. Restore time depends on the feed's speed.

| revision | measured | packages | download | packages folder | restore | build output | libtorch and TorchSharp in it | libtorch for |
|---|---|---|---|---|---|---|---|---|
${rows%$'\n'}
<!-- packagesize:end -->
EOF
)

if grep -q '<!-- packagesize:start -->' "$benchmarks"; then
  section="$section" awk '
    /<!-- packagesize:start -->/ { print ENVIRON["section"]; skip = 1; next }
    /<!-- packagesize:end -->/ { skip = 0; next }
    !skip { print }
  ' "$benchmarks" > "$benchmarks.tmp"
  mv "$benchmarks.tmp" "$benchmarks"
else
  printf '\n%s\n' "$section" >> "$benchmarks"
fi
echo "$section"
