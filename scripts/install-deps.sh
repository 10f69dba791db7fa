#!/usr/bin/env bash
# Installs what gptimg's build and tests need on Debian/Ubuntu, only if it is missing:
# libpng and SQLite headers (build), pngcheck, exiftool and Pillow (tests read our files back
# with them), the sqlite3 shell (catalog tests and benchmarks read the catalog as a user would),
# Chromium (the web gallery is tested in a real headless browser), unzip (exported zips are
# checked with `unzip -t`) and GNU time (the hostile-input tests measure each command's CPU
# time, peak RSS and blocks written with it), and the MCP Python SDK (`mcp`: the real client that
# `gptimg mcp`'s tests and bench/mcp.sh drive the server with). Safe to run again; does nothing when all is present.
# man-db and bsdextrautils (`man -l` and `col`: scripts/check-manual.sh renders the man page).
# `install-deps.sh --build`: only what building gptimg needs (make install). No libcurl: nothing
# imports FoundationNetworking (Vendor/MCP/README.md; scripts/check-links.sh keeps it so).
set -euo pipefail

build_only=0
[ "${1:-}" = "--build" ] && build_only=1
packages=(libpng-dev libsqlite3-dev zlib1g-dev)
[ "$build_only" = 1 ] || packages+=(pngcheck libimage-exiftool-perl sqlite3 chromium unzip time man-db bsdextrautils)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    echo "install-deps: missing ${missing[*]:-nothing}; run as root or install them yourself" >&2
  fi
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$build_only" = 0 ] && ! python3 -c "import PIL" >/dev/null 2>&1; then
  echo "install-deps: installing Pillow" >&2
  python3 -m pip install -q pillow 2>/dev/null \
    || python3 -m pip install -q --break-system-packages pillow 2>/dev/null \
    || { DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq python3-pil >/dev/null; }
fi

# imagehash: the test oracle for the perceptual hash (Tests/PNGRasterTests/Scripts/phash_oracle.py).
if [ "$build_only" = 0 ] && ! python3 -c "import imagehash" >/dev/null 2>&1; then
  echo "install-deps: installing imagehash" >&2
  python3 -m pip install -q imagehash 2>/dev/null \
    || python3 -m pip install -q --break-system-packages imagehash 2>/dev/null || true
fi

if [ "$build_only" = 0 ] && ! python3 -c "import mcp" >/dev/null 2>&1; then
  echo "install-deps: installing the MCP Python SDK (mcp 2.3.0)" >&2
  python3 -m pip install -q "mcp==2.3.0" 2>/dev/null \
    || python3 -m pip install -q --break-system-packages "mcp==2.3.0"
fi
