# The two commands at the top of the README. Both install missing system packages first.
.PHONY: demo test lint deps fuzz install

deps:
	@bash scripts/install-deps.sh

# The main job on the embedded default: `gptimg demo` generates through the built-in simulator.
demo: deps
	@bash scripts/demo.sh

test: deps
	swift build --build-tests
	swift test --skip-build
	bash scripts/check-manual.sh

# The formatting rules in .swift-format (fix with `swift format format -i -r --parallel` on the same
# paths), and no line of a tracked Swift file over 120 characters: swift-format leaves a string
# literal or a comment it cannot break as long as it is. Counted in characters, not bytes (LC_ALL=C
# awk counts bytes; the UTF-8 continuation bytes are subtracted). Vendor/ is others' code, kept as
# released (Vendor/MCP/README.md): neither check reads it.
SWIFT_PATHS = Sources Tests bench/Sources Package.swift fuzz/Sources fuzz/Package.swift
lint:
	swift format lint --strict -r $(SWIFT_PATHS)
	@git ls-files -z '*.swift' ':!:Vendor/' | LC_ALL=C xargs -0 awk ' \
	    { n = length($$0) - gsub(/[\200-\277]/, "&") } \
	    n > 120 { printf "%s:%d: %d characters, at most 120\n", FILENAME, FNR, n; bad = 1 } \
	    END { exit bad }' || { echo "lint: Swift lines over 120 characters (above)"; exit 1; }

# One release binary with Swift's runtime and Foundation linked in (--static-swift-stdlib),
# stripped: it needs only the system's libc, libstdc++, libsqlite3, libpng and zlib.
PREFIX ?= /usr/local
install:
	@bash scripts/install-deps.sh --build
	swift build -c release --static-swift-stdlib --scratch-path .build-static --product gptimg
	@# No networking library loaded at every start (scripts/check-links.sh says why).
	bash scripts/check-links.sh .build-static/release/gptimg
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 -s .build-static/release/gptimg $(DESTDIR)$(PREFIX)/bin/gptimg
	@# Completions where bash-completion, zsh and fish look under a prefix (made by the binary).
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	    $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	.build-static/release/gptimg completions bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/gptimg
	.build-static/release/gptimg completions zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_gptimg
	.build-static/release/gptimg completions fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/gptimg.fish
	@# The man page: swift-argument-parser's generate-manual tool (what its plugin runs), built
	@# from the checkout the release build resolved, on the binary's own help; dated by the last
	@# commit; checked to render with `man -l` (scripts/check-manual.sh, which `make test` runs too).
	mkdir -p .build-manual
	CHECK_MANUAL_KEEP=$(CURDIR)/.build-manual/gptimg.1 bash scripts/check-manual.sh .build-static/release/gptimg
	install -m 0644 .build-manual/gptimg.1 $(DESTDIR)$(PREFIX)/share/man/man1/gptimg.1

fuzz:
	bash fuzz/run.sh $${SECONDS_TO_RUN:-600}
