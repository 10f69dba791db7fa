import ArgumentParser

/// The one wording of what an id argument takes. Images and generations are named apart: an
/// image by its number (`42`) or 6+ hex digits of its SHA-256, a generation (one task) as `g17`
/// or by its task id; each command says which it expects, and refuses the other kind with a
/// pointer to the command that takes it.
enum IDHelp {
    static let images = ArgumentHelp(
        "Image IDs: numbers or 6+ hex digits of the SHA-256 (not a generation: `gptimg tasks g17` shows one).")
    static let image = ArgumentHelp(
        "An image ID: its number or 6+ hex digits of its SHA-256 (not a generation: `gptimg tasks g17` shows one).")
}
