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

# One release binary with Swift's runtime and Foundation linked in (--static-swift-stdlib),
# stripped: it needs only the system's libc, libstdc++, libsqlite3, libpng and zlib.
PREFIX ?= /usr/local
install:
	@bash scripts/install-deps.sh --build
	swift build -c release --static-swift-stdlib --scratch-path .build-static --product gptimg
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 -s .build-static/release/gptimg $(DESTDIR)$(PREFIX)/bin/gptimg

fuzz:
	bash fuzz/run.sh $${SECONDS_TO_RUN:-600}
