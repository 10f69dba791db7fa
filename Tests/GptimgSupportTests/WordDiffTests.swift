import GptimgSupport
import Testing

/// The word difference `gptimg diff`, `gptimg lineage` and the gallery's compare view show.
@Suite struct WordDiffTests {
    /// The old words are the kept and removed ones; the new words the kept and added ones.
    static func check(_ old: String, _ new: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let pieces = WordDiff.diff(old, new)
        let before = pieces.filter { $0.kind != .added }.flatMap(\.words)
        let after = pieces.filter { $0.kind != .removed }.flatMap(\.words)
        #expect(before == WordDiff.words(old), sourceLocation: sourceLocation)
        #expect(after == WordDiff.words(new), sourceLocation: sourceLocation)
        for (left, right) in zip(pieces, pieces.dropFirst()) {
            #expect(left.kind != right.kind, "adjacent pieces of one kind: \(pieces)", sourceLocation: sourceLocation)
        }
    }

    @Test func anAppendedPhraseIsOneAddedRun() {
        let pieces = WordDiff.diff("a paper boat on a pond", "a paper boat on a pond in autumn")
        #expect(pieces == [.init(.same, ["a", "paper", "boat", "on", "a", "pond"]), .init(.added, ["in", "autumn"])])
        #expect(WordDiff.plain(pieces) == "a paper boat on a pond {+in autumn+}")
    }

    @Test func aReplacedWordIsRemovedThenAdded() {
        let pieces = WordDiff.diff("a lighthouse on a cliff at sunset", "a lighthouse on a beach at dawn")
        #expect(WordDiff.plain(pieces) == "a lighthouse on a [-cliff-] {+beach+} at [-sunset-] {+dawn+}")
        #expect(WordDiff.json(pieces).rendered.hasPrefix(#"[{"op":"same","text":"a lighthouse on a"},"#))
    }

    /// Trailing punctuation is a word of its own: appending after a comma adds, never replaces.
    @Test func punctuationIsSplitOffTheWordBeforeIt() {
        #expect(
            WordDiff.words("a pond, in autumn... yes!") == [
                "a", "pond", ",", "in", "autumn", ".", ".", ".", "yes", "!",
            ])
        let pieces = WordDiff.diff("a paper boat on a pond", "a paper boat on a pond, in autumn")
        #expect(
            pieces == [.init(.same, ["a", "paper", "boat", "on", "a", "pond"]), .init(.added, [",", "in", "autumn"])])
        #expect(pieces[1].text == ", in autumn")
        #expect(WordDiff.words("?") == ["?"] && WordDiff.words("3:2") == ["3:2"])
    }

    /// The longest common subsequence, not a greedy match: moving a word keeps the most words.
    @Test func theLongestCommonSubsequenceIsKept() {
        let pieces = WordDiff.diff("red green blue yellow", "green blue yellow red")
        #expect(pieces.filter { $0.kind == .same }.flatMap(\.words) == ["green", "blue", "yellow"])
        #expect(WordDiff.plain(pieces) == "[-red-] green blue yellow {+red+}")
        // A common word early in one text does not pull the match out of line.
        let other = WordDiff.diff("a b c d e f", "x a y c z e")
        #expect(other.filter { $0.kind == .same }.flatMap(\.words) == ["a", "c", "e"])
    }

    @Test func edgeCasesKeepBothTexts() {
        #expect(WordDiff.diff("", "").isEmpty)
        #expect(WordDiff.diff("", "new words") == [.init(.added, ["new", "words"])])
        #expect(WordDiff.diff("old words", "") == [.init(.removed, ["old", "words"])])
        #expect(WordDiff.diff("same  words\n", "same words") == [.init(.same, ["same", "words"])])
        #expect(WordDiff.same("a  b", "a b") && !WordDiff.same("a b", "a B"))
        for (old, new) in [
            ("a b c", "c b a"), ("a a a b", "a b b b"), ("x", "y"), ("one two three", "zero one two three four"),
            ("the cat sat on the mat", "the dog sat on a mat today"), ("Cliff, sunset.", "cliff sunset"),
        ] {
            Self.check(old, new)
            Self.check(new, old)
        }
    }

    /// A middle too large for the table is one removed and one added run: still correct.
    @Test func aHugeMiddleFallsBackToReplacingIt() {
        let old = (0..<2100).map { "o\($0)" }.joined(separator: " ")
        let new = (0..<2100).map { "n\($0)" }.joined(separator: " ")
        let pieces = WordDiff.diff("start " + old + " end", "start " + new + " end")
        #expect(pieces.map(\.kind) == [.same, .removed, .added, .same])
        Self.check("start " + old + " end", "start " + new + " end")
    }
}
