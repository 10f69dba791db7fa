#!/usr/bin/env bash
# `make demo`: the main job on the embedded default. `gptimg demo` starts the gpt-image-2 API
# simulator inside its own process and generates a few images into the library through the
# real pipeline (record, submit, poll, download, embed metadata, land): no key, no network.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --product gptimg >&2
bin=$(swift build --show-bin-path)
"$bin/gptimg" demo "$@"
