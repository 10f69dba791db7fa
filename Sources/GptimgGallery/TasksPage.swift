import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgGeneration

/// The generating parts of the pages: the grid's prompt bar, the image page's "Run it again"
/// and "Make a variant", and the Tasks page. `generate.js` drives them (cost before sending, a
/// confirm step, placeholders that poll `/api/tasks`); without it they are inert forms.
enum GeneratePages {
    /// The longest prompt the page's text areas take (the API's own rules are checked on the server).
    static let maxPrompt = 32_000

    /// The prompt bar above the grid: prompt, aspect ratio, n, up to 4 reference URLs, tags and
    /// collection (the current collection's page fills it in), the cost, and the limits and
    /// last balance (filled from `/api/tasks`).
    static func promptBar(collection: String?, maxCredits: Int) -> HTML {
        let aspects: [HTML] = AspectRatio.allCases.map { ratio in
            let selected = ratio == .default ? HTML(trusted: " selected") : .empty
            return "<option value=\"\(ratio.rawValue)\"\(selected)>\(ratio.rawValue)</option>"
        }
        let counts: [HTML] = (1...4).map { "<option value=\"\($0)\">\($0)</option>" }
        let references: [HTML] = (1...4).map {
            """
            <input type="url" name="reference" maxlength="2048" placeholder="reference image URL \($0) (https)" \
            aria-label="reference image URL \($0)" autocomplete="off" spellcheck="false">
            """
        }
        return """
            <form class="prompt-bar" id="prompt-bar" data-credits-per-image="\(APIContract.creditsPerImage)" \
            data-max-credits="\(maxCredits)" autocomplete="off">
            <textarea name="prompt" id="gen-prompt" rows="2" maxlength="\(maxPrompt)" \
            placeholder="Describe an image to generate…" aria-label="Prompt" required></textarea>
            <div class="gen-options">
            <label><span>Aspect</span><select name="aspect">\(aspects)</select></label>
            <label><span>Images</span><select name="n">\(counts)</select></label>
            <label><span>Tags</span><input name="tags" placeholder="tag, tag" maxlength="400"></label>
            <label><span>Collection</span><input name="collection" maxlength="100" value="\(collection ?? "")"></label>
            <details class="gen-refs"><summary>References</summary>\(references)</details>
            <button type="submit" id="gen-submit">Generate</button>
            </div>
            <p class="gen-cost" id="gen-cost" aria-live="polite"></p>
            <p class="gen-confirm" id="gen-confirm" hidden><span id="gen-confirm-text"></span> \
            <button type="button" id="gen-confirm-yes">Spend them</button> \
            <button type="button" id="gen-confirm-no">Cancel</button></p>
            <p class="gen-status" id="gen-status" role="status" aria-live="polite"></p>
            </form>
            """
    }

    /// "Run it again" and "Make a variant" on an image page (the variant needs the image's hosted URL).
    static func imageActions(_ details: ImageDetails) -> HTML {
        let generation = details.generation
        let variant: HTML =
            details.image.remoteURL.map { $0.lowercased().hasPrefix("http") } == true
            ? """
            <h2>Make a variant</h2>
            <form class="gen-variant" id="gen-variant" data-image="\(details.image.id)">
            <textarea name="prompt" rows="3" maxlength="\(maxPrompt)" \
            aria-label="Variant prompt">\(generation.prompt)</textarea>
            <label><span>Images</span><select name="n"><option>1</option><option>2</option><option>3</option>\
            <option>4</option></select></label>
            <button type="submit">Make a variant</button></form>
            """
            : "<p class=\"muted\">No variant: this image has no hosted URL for the API to start from.</p>"
        return """
            <div class="gen-actions" id="gen-actions" data-image="\(details.image.id)" \
            data-credits-per-image="\(APIContract.creditsPerImage)">
            <button type="button" id="gen-rerun" data-n="\(generation.n)">Run it again \
            (\(generation.n * APIContract.creditsPerImage) credits)</button>
            \(variant)
            <p class="gen-confirm" id="gen-confirm" hidden><span id="gen-confirm-text"></span> \
            <button type="button" id="gen-confirm-yes">Spend them</button> \
            <button type="button" id="gen-confirm-no">Cancel</button></p>
            <p class="gen-status" id="gen-status" role="status" aria-live="polite"></p>
            </div>
            """
    }

    /// The Tasks page: running, unknown and failed generations, newest first, with the API's
    /// reason and, for a task that has a task id and has not ended, a Resume button.
    /// `resumable`: whether this gallery can generate (and so resume) at all.
    static func tasks(
        _ generations: [GenerationRecord], live: (Int64) -> LiveTask?, resumable: Bool, token: EditToken
    ) -> HTML {
        let rows: [HTML] = generations.map { record in
            let running = live(record.id).map { !$0.ended } ?? false
            let stage = running ? live(record.id)?.stage ?? record.status.rawValue : record.status.rawValue
            let canResume =
                resumable && !running && record.taskID != nil && record.status != .completed && record.status != .failed
            let reason = record.errorMessage ?? live(record.id)?.error
            let action: HTML =
                canResume
                ? """
                <button type="button" class="resume" data-ref="\(GenerationReference.text(record.id))">Resume</button>
                """
                : .empty
            return """
                <tr class="task \(record.status.rawValue)" data-generation="\(record.id)" \
                data-status="\(record.status.rawValue)">\
                <td><code>\(GenerationReference.text(record.id))</code></td>\
                <td class="stage">\(stage)</td>\
                <td class="what">\(Pages.truncated(record.prompt, 160))<br><span class="muted">\(record.n) × \
                \(record.aspectRatio) · \(record.taskID.map { "<code>\($0)</code>" as HTML } ?? "no task id") \
                · \(record.createdAt)</span></td>\
                <td class="reason">\(reason.map { "\(record.errorCode.map { "\($0): " } ?? "")\($0)" } ?? "")</td>\
                <td>\(action)</td></tr>
                """
        }
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">No running, unknown or failed tasks.</p>"
            : """
            <table class="tasks" id="tasks"><thead><tr><th>Task</th><th>Stage</th><th>Prompt</th><th>Reason</th>\
            <th></th></tr></thead><tbody>\(rows)</tbody></table>
            """
        let body: HTML = """
            <h1 class="page-title">Tasks</h1>
            <p class="muted">Running, unknown and failed generations. Resume polls a task the API accepted and lands \
            its images; it never sends a request again.</p>
            <p class="gen-status" id="gen-status" role="status" aria-live="polite"></p>
            \(table)
            """
        return Pages.layout(title: "Tasks", token: token, body: body)
    }

    /// The generations the Tasks page lists: every unfinished one, and the failed among the
    /// latest 200, newest first.
    static func listed(_ catalog: Catalog) throws -> [GenerationRecord] {
        let unfinished = try catalog.unfinishedGenerations()
        let failed = try catalog.recentGenerations(limit: 200).filter { $0.status == .failed }
        let ids = Set(unfinished.map(\.id))
        return (unfinished + failed.filter { !ids.contains($0.id) }).sorted { $0.id > $1.id }
    }
}
