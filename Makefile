# The two commands at the top of the README. Both install missing system packages first.
.PHONY: demo test deps fuzz

deps:
	@bash scripts/install-deps.sh

# The main job on the embedded default. Until the API simulator lands, it makes a few sample
# images with real gptimg metadata and reads them back.
demo: deps
	@bash scripts/demo.sh

test: deps
	swift build --build-tests
	swift test --skip-build

fuzz:
	bash fuzz/run.sh $${SECONDS_TO_RUN:-600}
