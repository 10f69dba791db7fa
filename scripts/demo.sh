#!/usr/bin/env bash
# `make demo`: until the API simulator lands, make a few sample images with real metadata
# (ours and other generators') and read them back with gptimg.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --product gptimg >&2
swift build --product gptimg-bench >&2
bin=$(swift build --show-bin-path)
library=${GPTIMG_LIBRARY:-Library}
samples="$library/samples"
mkdir -p "$samples"

"$bin/gptimg-bench" corpus "$samples" --count 4 --with-metadata >&2
"$bin/gptimg" meta read "$samples"/*.png

cat <<EOT

Sample images with embedded metadata are in $samples/. Try next:
  $bin/gptimg meta read --json $samples/*.png | head -c 600
  exiftool -G1 -a $(ls "$samples"/*.png | head -1)
  cp $(ls "$samples"/*.png | head -1) /tmp/x.png && $bin/gptimg meta strip /tmp/x.png
EOT
