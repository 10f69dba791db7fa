import ArgumentParser
import GptimgCLI

// The whole CLI lives in GptimgCLI; the executable only names the entry point.
@main
extension GptimgCommand {}
