import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// Folders watched with inotify (Linux): the files written or moved into them, and the folders
/// made inside them, as they happen. Only the events a watch folder needs are asked for: a file
/// closed after writing (`IN_CLOSE_WRITE`), a name moved in (`IN_MOVED_TO`, how writers publish
/// a finished file), a folder made (`IN_CREATE` of a folder), and the watch itself going away.
///
/// Waiting happens on a Dispatch thread of its own (`poll` with a timeout), never on a thread
/// of Swift's cooperative pool; reading is non-blocking and drains what is queued.
public final class FolderWatch: @unchecked Sendable {
    /// What happened in a watched folder. Paths are the watched folder's path joined with the
    /// name the kernel gave.
    public enum Event: Sendable, Hashable {
        /// A file was closed after being opened for writing (it may be written again).
        case written(String)
        /// A file was moved (renamed) into a watched folder: a finished file, for most writers.
        case movedIn(String)
        /// A folder was made or moved into a watched folder: watch it and look inside.
        case folderAdded(String)
        /// A watched folder was deleted, moved away or unmounted: its watch is gone.
        case folderGone(String)
        /// The kernel's queue overflowed and events were lost: look at every folder again.
        case overflow
    }

    /// Why a watch could not be made.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    private let descriptor: Int32
    // Touched only by the task that owns the watch (`add`, `events`), never concurrently.
    private var folders: [Int32: String] = [:]
    private let waiting = DispatchQueue(label: "gptimg.folder-watch")

    private static let mask =
        UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF)
        | UInt32(IN_ONLYDIR) | UInt32(IN_DONT_FOLLOW) | UInt32(IN_EXCL_UNLINK)

    public init() throws(Failure) {
        descriptor = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard descriptor >= 0 else {
            throw Failure(description: "cannot watch folders (inotify): \(errnoDescription())")
        }
    }

    deinit { close(descriptor) }

    /// The folders watched now.
    public var watchedFolders: [String] { folders.values.sorted() }

    /// Watches `folder` (not the folders inside it: add each). Watching a folder twice is harmless.
    public func add(_ folder: String) throws(Failure) {
        let watch = inotify_add_watch(descriptor, folder, Self.mask)
        guard watch >= 0 else {
            let reason =
                errno == ENOSPC
                ? "the system's limit of inotify watches is reached: raise fs.inotify.max_user_watches (sysctl)"
                : errnoDescription()
            throw Failure(description: "cannot watch \(folder): \(reason)")
        }
        folders[watch] = folder
    }

    /// Waits up to `timeout` seconds for something to read; true when there is.
    public func wait(timeout: Double) async -> Bool {
        let descriptor = descriptor
        let milliseconds = Int32(max(0, min(timeout, 60)) * 1000)
        return await withCheckedContinuation { continuation in
            waiting.async {
                var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                continuation.resume(returning: poll(&entry, 1, milliseconds) > 0)
            }
        }
    }

    /// Every event queued now (none: an empty list, at once).
    public func events() -> [Event] {
        let capacity = 64 * 1024 // holds many events; one is at most 16 + NAME_MAX + 1 bytes
        let header = MemoryLayout<inotify_event>.size
        let buffer = UnsafeMutableRawPointer.allocate(
            byteCount: capacity, alignment: MemoryLayout<inotify_event>.alignment)
        defer { buffer.deallocate() }
        var found: [Event] = []
        while true {
            let count = read(descriptor, buffer, capacity)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break } // EAGAIN: drained
            var offset = 0
            while offset + header <= count {
                let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
                let nameLength = Int(event.len)
                guard offset + header + nameLength <= count else { break } // never past what was read
                let bytes = UnsafeRawBufferPointer(start: buffer + offset + header, count: nameLength)
                let name = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                offset += header + nameLength
                if let made = take(event, name: name) { found.append(made) }
            }
        }
        return found
    }

    private func take(_ event: inotify_event, name: String) -> Event? {
        let mask = event.mask
        if mask & UInt32(IN_Q_OVERFLOW) != 0 { return .overflow }
        guard let folder = folders[event.wd] else { return nil }
        if mask & UInt32(IN_IGNORED) != 0 {
            folders[event.wd] = nil
            return .folderGone(folder)
        }
        if mask & (UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF)) != 0 {
            // The watch of a moved folder would go on under a path that no longer names it.
            inotify_rm_watch(descriptor, event.wd)
            folders[event.wd] = nil
            return .folderGone(folder)
        }
        guard !name.isEmpty else { return nil }
        let path = folder + "/" + name
        if mask & UInt32(IN_ISDIR) != 0 {
            return mask & (UInt32(IN_CREATE) | UInt32(IN_MOVED_TO)) != 0 ? .folderAdded(path) : nil
        }
        if mask & UInt32(IN_MOVED_TO) != 0 { return .movedIn(path) }
        if mask & UInt32(IN_CLOSE_WRITE) != 0 { return .written(path) }
        return nil
    }
}
