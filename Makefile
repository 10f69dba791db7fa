# The two commands at the top of the README. Both install missing system packages first.
.PHONY: demo test deps fuzz install

deps:
	@bash scripts/install-deps.sh

# The main job on the embedded default: `gptimg demo` generates through the built-in simulator.
demo: deps
	@bash scripts/demo.sh

test: deps
	swift build --build-tests
	swift test --skip-build

# Release binaries with Swift's runtime and Foundation linked in (--static-swift-stdlib): they
# need only the system's libc, libstdc++, libsqlite3, libpng and zlib. bin/gptimg is the small
# front (gptimg-front), which answers `list` and `search` itself and hands every other command
# line to the full binary in libexec/gptimg/ (bench/README.md, list.sh).
PREFIX ?= /usr/local
install:
	@bash scripts/install-deps.sh --build
	swift build -c release --static-swift-stdlib --scratch-path .build-static --product gptimg
	swift build -c release --static-swift-stdlib --scratch-path .build-static --product gptimg-front
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/gptimg
	install -m 0755 .build-static/release/gptimg $(DESTDIR)$(PREFIX)/libexec/gptimg/gptimg
	install -m 0755 .build-static/release/gptimg-front $(DESTDIR)$(PREFIX)/bin/gptimg

fuzz:
	bash fuzz/run.sh $${SECONDS_TO_RUN:-600}
