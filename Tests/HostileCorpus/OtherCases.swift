/// FIFOs, tampered catalogs and gallery requests.
extension HostileCorpus {
    static let fifoCases: [HostileCase] = [
        HostileCase(
            name: "fifo-as-png", items: "8", summary: "a FIFO named fifo.png given to meta read, meta strip and import",
            fast: true, family: .file, payloadBytes: 0,
            expectations: [
                .metaRead: [.refused], .metaReadJSON: [.refused], .metaStrip: [.refused], .importInput: [.imports(0)],
            ],
            makeEntries: { [("fifo.png", .fifo)] }, inputIsFolder: false, scenario: nil, requests: [],
            fileName: "fifo.png"),
        .folder(
            "folder-fifo-and-link", items: "8", fast: true, payload: 1 << 20,
            "a folder holding a PNG, a FIFO and a link: the PNG imported, the FIFO and the link reported as skipped",
            expect: [.importInput: [.imports(1), .mentions(["fifo.png", "link.png"])]]
        ) {
            [
                ("a.png", .bytes(PNGBuilder.image(seed: 50))), ("fifo.png", .fifo),
                ("link.png", .link("outside/victim.png")),
            ]
        },
    ]

    static let catalogCases: [HostileCase] = [
        .catalog(
            "catalog-zero-bytes", items: "7", .zeroByteCatalog,
            "catalog.sqlite is an empty file: refused as damaged, never silently made into a new catalog",
            expect: [.list: [.refused, .catalogBytes(0)]]),
        .catalog(
            "catalog-path-parent", items: "2", .parentPath,
            "an image row whose path is ../victim.txt: nothing outside the library is read, moved or trashed"),
        .catalog(
            "catalog-path-absolute", items: "2", .absolutePath,
            "an image row whose path is the absolute path of a file outside the library"),
        .catalog(
            "catalog-path-symlinked-folder", items: "2", .symlinkedFolder,
            "images/linked is a link to a folder outside the library; the row's path goes through it"),
        .catalog(
            "catalog-path-dev-zero", items: "2", .devZero,
            "an image row whose path climbs to /dev/zero (read forever before)"),
        .catalog(
            "catalog-path-fifo", items: "2", .fifo,
            "an image row whose path is a FIFO inside images/ (hung before)"),
        .catalog(
            "catalog-newer-schema", items: "7", .newerSchema,
            "a catalog written by a newer gptimg (an unknown migration, a tag): rebuild refuses to replace it",
            expect: [.rebuild: [.refused, .catalogQuery("SELECT count(*) FROM image_tags", 1)]]),
    ]

    static let requestCases: [HostileCase] = [
        .request(
            "gallery-nul-query", items: "9", "a search with a NUL in it (/?q=a%00b): a 400, not a 500",
            path: "/?q=a%00b", status: 400)
    ]
}
