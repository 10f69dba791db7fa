#!/usr/bin/env bash
# Fails when a gptimg binary loads a shared library it must not: FoundationNetworking, libcurl, or
# what libcurl brings (TLS, Kerberos, LDAP, SSH). The dynamic loader maps and relocates each one,
# and runs its constructors, at the start of every command: the MCP SDK's networking parts once
# doubled `gptimg --version` this way (bench/README.md, "Process start"; Vendor/MCP/README.md).
# Run by `make install` on the release binary and by StartupTests on the debug one.
# Usage: scripts/check-links.sh BINARY
set -euo pipefail
binary=${1:?usage: check-links.sh BINARY}
[ -x "$binary" ] || { echo "check-links: $binary is not an executable: build it first" >&2; exit 2; }
libraries=$(ldd "$binary") || { echo "check-links: ldd could not read $binary" >&2; exit 2; }
forbidden='FoundationNetworking|libcurl|libssl\.|libcrypto\.|libgnutls|libgssapi|libldap|libssh'
if found=$(grep -E "$forbidden" <<<"$libraries"); then
  echo "check-links: $binary loads networking libraries no gptimg command needs:" >&2
  echo "$found" >&2
  echo "check-links: something imports FoundationNetworking (grep -r FoundationNetworking Sources Vendor)" >&2
  exit 1
fi
echo "check-links: $binary loads $(grep -c . <<<"$libraries") shared libraries, none for networking"
