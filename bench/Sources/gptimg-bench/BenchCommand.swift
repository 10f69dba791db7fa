import ArgumentParser

/// `gptimg-bench`: makes the benchmark corpus and times gptimg's metadata work in-process.
/// The scripts beside this package (`bench/*.sh`) drive it and compare against other tools.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gptimg-bench",
        abstract: "Benchmark helpers for gptimg: a deterministic PNG corpus and in-process timers.",
        discussion: """
            Examples:
              gptimg-bench corpus bench/out/corpus-2000 --count 2000 --with-metadata
              gptimg-bench embed bench/out/embed-copy
              gptimg-bench readtime bench/out/corpus-2000
              gptimg-bench report bench/out/meta-read.json
              gptimg-bench thumbs bench/out/thumbs-in --to bench/out/thumbs-ours --size 320
            """,
        subcommands: [
            CorpusCommand.self, EmbedCommand.self, ReadTimeCommand.self, ReportCommand.self, ThumbsCommand.self,
            ZipFoundationCommand.self, HostileBenchCommand.self,
        ]
    )
}
