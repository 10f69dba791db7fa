import GptimgCLI

await GptimgCommand.main()
