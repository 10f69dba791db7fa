/// How far a long piece of work has got (doctor hashing, rebuild reading files): `done` of
/// `total` steps. The core reports it through a callback; only the CLI turns it into a line
/// (libraries never print).
public struct WorkProgress: Sendable, Hashable {
    public var done: Int
    public var total: Int

    public init(done: Int, total: Int) {
        self.done = done
        self.total = total
    }
}
