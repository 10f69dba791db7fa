#!/usr/bin/env bash
# The man page `make install` installs, made and read as a user would: swift-argument-parser's
# generate-manual tool (what its manual plugin runs; built from the checkout this build resolved)
# on the built gptimg, then `man -l` renders it. Fails unless the page renders with its NAME and
# SYNOPSIS and a section for every subcommand `gptimg --help` lists, and without a warning.
# CHECK_MANUAL_KEEP=FILE keeps the page (make install installs it from there).
#   bash scripts/check-manual.sh [GPTIMG]        (default .build/debug/gptimg)
set -euo pipefail
cd "$(dirname "$0")/.."
gptimg=${1:-.build/debug/gptimg}
checkout=$(dirname "$gptimg")/../checkouts/swift-argument-parser
[[ -d $checkout ]] || checkout=.build/checkouts/swift-argument-parser
[[ -x $gptimg && -d $checkout ]] || { echo "check-manual: build gptimg first (swift build)" >&2; exit 1; }

swift build --package-path "$checkout" --scratch-path .build-manual --product generate-manual >&2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
.build-manual/debug/generate-manual "$gptimg" --output-directory "$out" --date "${MANUAL_DATE:-$(git log -1 --format=%cs 2>/dev/null || date +%F)}" >&2
page=$out/gptimg.1
[[ -s $page ]] || { echo "check-manual: generate-manual wrote no gptimg.1" >&2; exit 1; }
# A blank line in a command's discussion comes through as an empty mdoc line, which groff
# warns about on every `man gptimg`: a paragraph break (.Pp) is what it means.
sed -i 's/^$/.Pp/' "$page"
[[ -z ${CHECK_MANUAL_KEEP:-} ]] || cp "$page" "$CHECK_MANUAL_KEEP"
if ! command -v man >/dev/null; then
    # make install on a machine without man-db: the page is installed, not rendered here.
    [[ -n ${CHECK_MANUAL_KEEP:-} ]] || { echo "check-manual: man is missing: run make deps" >&2; exit 1; }
    echo "check-manual: man is missing, the page is not rendered here" >&2
    exit 0
fi
rendered=$(MANWIDTH=100 man -l "$page" 2>"$out/errors" | col -b)
[[ ! -s $out/errors ]] || { echo "check-manual: man -l reported:" >&2; cat "$out/errors" >&2; exit 1; }
for heading in NAME SYNOPSIS DESCRIPTION; do
    grep -q "^$heading" <<<"$rendered" || { echo "check-manual: no $heading in the rendered page" >&2; exit 1; }
done
# Every subcommand of `gptimg --help` has its entry in the page.
missing=()
for command in $("$gptimg" --help | awk '/^SUBCOMMANDS:/ {on = 1; next} on && /^  [a-z]/ {print $1}'); do
    grep -q "gptimg $command\|^ *$command\b" <<<"$rendered" || missing+=("$command")
done
[[ ${#missing[@]} -eq 0 ]] || { echo "check-manual: no entry for: ${missing[*]}" >&2; exit 1; }
echo "check-manual: gptimg.1 renders ($(wc -l <<<"$rendered") lines), every subcommand in it"
