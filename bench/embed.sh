#!/usr/bin/env bash
# Writing metadata in place into every file of a copy of the corpus, one process each:
# `gptimg-bench embed` (GptimgEmbedding.embedFile: splice + atomic rename) against exiftool
# writing the equivalent PNG text and XMP tags, and against `cp -r` of the same bytes.
# Targets: embed at least 4 times as fast as exiftool, and at least half as fast as cp.
# Then `embed --durable` (fsync of each file and its folder) on its own.
#   bash bench/embed.sh
#   BENCH_COUNT=50 bash bench/embed.sh
# Also: BENCH_EXIFTOOL_RUNS (default 2), BENCH_DURABLE_RUNS (default 3).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_tools
bench_build
bench_corpus

work=$BENCH_OUT/embed-work
copy=$BENCH_OUT/embed-cp
# exiftool writes a `parameters` and a `gptimg` text chunk only when told they exist.
exiftool_config=$BENCH_OUT/exiftool-bench.config
cat >"$exiftool_config" <<'PERL'
%Image::ExifTool::UserDefined = (
    'Image::ExifTool::PNG::TextualData' => {
        parameters => { Name => 'Parameters' },
        gptimg => { Name => 'Gptimg' },
    },
);
1;
PERL
# What one of our files carries, written by exiftool to every file (the same values for all,
# which only spares exiftool work).
prompt="A misty alpine lake at sunrise with pine forest on the shore, photorealistic, 35mm film, natural light"
task="gpt-image-2-Q7fWm2LxR9pTn4KcVb8Hd"
json="{\"schema\":1,\"prompt\":\"$prompt\",\"aspect_ratio\":\"3:2\",\"n\":1,\"index\":0,\"type\":\"text-to-image\",\"reference_images\":[],\"task_id\":\"$task\",\"row_id\":\"5d0c9a4e-2b7f-4c61-9f0e-8a3d2c1b0e9f\",\"provider\":\"gpt-image-2\",\"model\":\"gpt-image-2\",\"created_at\":\"2026-02-11T08:15:42Z\",\"completed_at\":\"2026-02-11T08:16:30Z\",\"parent\":null,\"remote_url\":\"https://files.gpt-image-2.example/outputs/$task/0.png\",\"tags\":[]}"
parameters="$prompt
Model: gpt-image-2, Aspect ratio: \"3:2\", Size: 1536x1024, Type: text-to-image, Task: $task, Image: 1 of 1, Version: gptimg 0.1.0"
exiftool_args=(-config "$exiftool_config" -q -overwrite_original
    "-Gptimg=$json" "-Parameters=$parameters" "-Description=$prompt" "-Software=gptimg 0.1.0"
    "-CreationTime=2026:02:11 08:15:42+00:00" "-Source=gpt-image-2"
    "-XMP-dc:Description=$prompt" "-XMP-xmp:CreatorTool=gptimg 0.1.0" "-XMP-xmp:CreateDate=2026:02:11 08:15:42Z")
# hyperfine runs the commands with bash (--shell bash), which reads printf's %q quoting.
exiftool_command="exiftool $(printf '%q ' "${exiftool_args[@]}")$work > /dev/null"

# Each timed run starts from a fresh copy, flushed to disk first, so no run pays for the
# previous one's writeback. Like cp -r, `embed --to` writes new files (as images land in the
# library); rewriting files in place also pays ext4's flush on rename-over-existing and the
# freeing of the old files, so it is timed as well, for information.
fresh="rm -rf $work $copy && cp -r $BENCH_CORPUS $work && sync"
log "timing ${BENCH_COUNT} files, $BENCH_RUNS runs each"
bench_hyperfine --export-json "$BENCH_OUT/embed.json" \
    --prepare "rm -rf $copy && sync" -n "gptimg-bench embed --to" "$GPTIMG_BENCH embed $BENCH_CORPUS --to $copy" \
    --prepare "rm -rf $copy && sync" -n "cp -r" "cp -r $BENCH_CORPUS $copy" \
    --prepare "$fresh" -n "gptimg-bench embed (in place)" "$GPTIMG_BENCH embed $work"
# exiftool takes about 0.15 s a file (5 minutes for 2000), so it gets fewer runs and no
# warm-up (the fresh copy has filled the page cache already).
log "timing exiftool, ${BENCH_EXIFTOOL_RUNS:-2} runs"
hyperfine --warmup 0 --runs "${BENCH_EXIFTOOL_RUNS:-2}" --style basic --shell bash \
    --export-json "$BENCH_OUT/embed-exiftool.json" \
    --prepare "$fresh" -n "exiftool" "$exiftool_command"

log "durable embedding (fsync per file), ${BENCH_DURABLE_RUNS:-3} runs"
hyperfine --warmup 0 --runs "${BENCH_DURABLE_RUNS:-3}" --style basic --export-json "$BENCH_OUT/embed-durable.json" \
    --prepare "$fresh" -n "gptimg-bench embed --durable" "$GPTIMG_BENCH embed --durable $work" \
    --prepare "$fresh" -n "gptimg-bench embed" "$GPTIMG_BENCH embed $work"

# The last run above embedded with gptimg-bench: every file must now read as ours.
ours=$("$GPTIMG" meta read --json "$work"/*.png | grep -c '"generator":"gptimg"' || true)
[[ $ours == "$BENCH_COUNT" ]] || { echo "only $ours of $BENCH_COUNT embedded files read back as gptimg's" >&2; exit 1; }
rm -rf "$work" "$copy"

echo
bench_machine
echo "corpus: $BENCH_CORPUS ($(bench_describe "$BENCH_CORPUS"))"
"$GPTIMG_BENCH" report "$BENCH_OUT/embed.json" "$BENCH_OUT/embed-exiftool.json" --target "exiftool=4" --target "cp -r=0.5"
echo
"$GPTIMG_BENCH" report "$BENCH_OUT/embed-durable.json"
