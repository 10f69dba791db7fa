#!/usr/bin/env bash
# `make demo`: the main job on the embedded default. `gptimg demo` starts the gpt-image-2 API
# simulator inside its own process and generates a few images into the library through the
# real pipeline (record, submit, poll, download, embed metadata, land): no key, no network.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --product gptimg >&2
bin=$(swift build --show-bin-path)
# The checkout's demo fills the repository's Library/ (as the README shows), not the user's
# default library under $XDG_DATA_HOME, unless --library or GPTIMG_LIBRARY says otherwise.
library=(--library "$PWD/Library")
if [[ -n "${GPTIMG_LIBRARY:-}" || " $* " == *" --library"* ]]; then library=(); fi
"$bin/gptimg" demo "${library[@]}" "$@"
