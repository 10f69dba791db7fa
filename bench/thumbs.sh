#!/usr/bin/env bash
# Thumbnails: the gallery's thumbnailer (libpng decode, box pre-shrink + Lanczos-3, libpng
# encode; `gptimg-bench thumbs`, the code `gptimg serve` runs for a thumbnail not yet cached)
# against libvips' `vipsthumbnail`, on the same ~1 MP, 1-2 MB PNGs of the corpus, both writing
# PNG thumbnails that fit 320x320. Each contender is one process over all the files.
#   - one file at a time: ours with --jobs 1, vipsthumbnail with VIPS_CONCURRENCY=1;
#   - the whole machine: ours with --jobs $(nproc) (the gallery makes one per core), vipsthumbnail
#     with its own threads, and $(nproc) vipsthumbnail processes, each over an equal share of the files.
# Target: ours at least vipsthumbnail's rate (a ratio >= 1). Wall times need a quiet machine; the
# CPU times printed last (user + system) hold whatever else runs on the cores.
#   bash bench/thumbs.sh          # BENCH_THUMBS=200 files by default
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_tools vipsthumbnail:libvips-tools
bench_build
bench_corpus

count=${BENCH_THUMBS:-200}
size=320
cores=$(nproc)
input=$BENCH_OUT/thumbs-in-$count
if [[ ! -d $input ]]; then
    mkdir -p "$input.partial"
    mapfile -t files < <(find "$BENCH_CORPUS" -maxdepth 1 -name '*.png' | sort)
    cp -t "$input.partial" "${files[@]:0:$count}"
    mv "$input.partial" "$input"
fi
log "thumbnails of $(bench_describe "$input") to fit ${size}x$size"
ours=$BENCH_OUT/thumbs-ours
vips=$BENCH_ROOT/$BENCH_OUT/thumbs-vips  # absolute: vipsthumbnail reads -o relative to each input's folder
vips_cmd="vipsthumbnail $input/*.png -s $size -o $vips/%s.png"
half=$(( (count + cores - 1) / cores ))
hyperfine --style basic --warmup 1 --runs "$BENCH_RUNS" --export-json "$BENCH_OUT/thumbs-one.json" \
    --prepare "rm -rf $ours $vips; mkdir -p $ours $vips" \
    -n "gptimg-bench thumbs --jobs 1" "$GPTIMG_BENCH thumbs $input --to $ours --size $size --jobs 1" \
    -n "vipsthumbnail, VIPS_CONCURRENCY=1" "VIPS_CONCURRENCY=1 $vips_cmd"
hyperfine --style basic --warmup 1 --runs "$BENCH_RUNS" --export-json "$BENCH_OUT/thumbs-all.json" \
    --prepare "rm -rf $ours $vips; mkdir -p $ours $vips" \
    -n "gptimg-bench thumbs --jobs $cores" "$GPTIMG_BENCH thumbs $input --to $ours --size $size --jobs $cores" \
    -n "vipsthumbnail (its own threads)" "$vips_cmd" \
    -n "vipsthumbnail x $cores processes" "find $input -name '*.png' | sort | xargs -n $half -P $cores vipsthumbnail -s $size -o $vips/%s.png"

# The same sizes, and a look at the two results side by side.
"$GPTIMG_BENCH" thumbs "$input" --to "$ours" --size "$size" --jobs "$cores"
mapfile -t made < <(find "$input" -name '*.png' | sort)
first=$(basename "${made[0]}")
png_size() {  # png_size FILE: WIDTHxHEIGHT from its IHDR
    python3 -c "import struct,sys; d=open(sys.argv[1],'rb').read(24); print('%dx%d' % struct.unpack('>II', d[16:24]))" "$1"
}
echo "sizes of $first: ours $(png_size "$ours/$first"), vips $(png_size "$vips/$first")"
echo "thumbnail bytes: ours $(du -sb "$ours" | cut -f1), vips $(du -sb "$vips" | cut -f1)"

echo
bench_machine
echo "vips $(vips --version)"
"$GPTIMG_BENCH" report "$BENCH_OUT/thumbs-one.json" --target "vipsthumbnail, VIPS_CONCURRENCY=1=1"
"$GPTIMG_BENCH" report "$BENCH_OUT/thumbs-all.json" --target "vipsthumbnail (its own threads)=1"
awk -v n="$count" 'BEGIN { printf "(%d files; files/s = %d / median)\n", n, n }'
# CPU time (user + system, hyperfine's means): what each costs, whatever else shares the cores.
python3 - "$BENCH_OUT/thumbs-one.json" "$BENCH_OUT/thumbs-all.json" <<'PY'
import json, sys
for path in sys.argv[1:]:
    results = json.load(open(path))["results"]
    reference = results[0]["user"] + results[0]["system"]
    for result in results:
        cpu = result["user"] + result["system"]
        print("cpu %-36s %7.3f s  %.2f" % (result["command"], cpu, cpu / reference))
PY
