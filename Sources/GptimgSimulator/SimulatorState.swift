import Foundation
import GptimgAPI
import GptimgSupport

/// One submission's money: what was charged and what was refunded, and how it ended.
public struct SimulatorLedgerEntry: Sendable, Hashable {
    public var taskID: String?
    public var owner: String
    public var prompt: String
    public var n: Int
    public var charged: Int
    public var refunded: Int
    /// processing, completed, failed or internal_error.
    public var outcome: String
    public var at: Date
}

/// Everything a simulator remembers: each key's balance, its tasks and the ledger of charges
/// and refunds. An actor, so a balance is checked and charged in one step and concurrent
/// submissions can never overdraw it.
actor SimulatorState {
    struct Account {
        var balance: Int
    }

    struct SimulatedTask {
        var id: String
        var owner: String
        var request: GenerateRequest
        var createdAt: Date
        var dueAt: Date
        var willFail: Bool
        var status: TaskStatus = .processing
        var updatedAt: Date?

        var taskID: String { APIIdentifier.taskID(for: id) }
    }

    enum Submission: Sendable {
        case accepted(TaskData)
        case insufficientCredits(required: Int, available: Int)
        case internalError
    }

    private let configuration: SimulatorConfiguration
    private let now: @Sendable () -> Date
    private var accounts: [String: Account]
    private var tasks: [String: SimulatedTask] = [:] // by row id
    private var ledger: [SimulatorLedgerEntry] = []
    private var random: SplitMix64
    private var baseURL = ""
    private var faults: SimulatorFaults

    init(configuration: SimulatorConfiguration, now: @escaping @Sendable () -> Date = Date.init) {
        self.configuration = configuration
        self.now = now
        self.accounts = Dictionary(
            configuration.keys.map { ($0, Account(balance: configuration.credits)) },
            uniquingKeysWith: { first, _ in first })
        self.random = SplitMix64(seed: configuration.seed ?? UInt64.random(in: .min ... .max))
        self.faults = configuration.faults
    }

    /// Which fault a request meets.
    enum Fault: Sendable {
        case none
        case rateLimited(retryAfter: Int)
        case dropped
    }

    enum FaultTarget { case poll, file }

    func setFaults(_ new: SimulatorFaults) { faults = new }

    /// The faults injected so far.
    private(set) var injectedFaults = SimulatorFaultCounts()

    /// Draws the fault for one request (no draw at all when faults are off, so a seeded run
    /// repeats exactly).
    func fault(for target: FaultTarget) -> Fault {
        if target == .poll, faults.rateLimitRate > 0, draw() < faults.rateLimitRate {
            injectedFaults.rateLimited += 1
            return .rateLimited(retryAfter: faults.retryAfter)
        }
        let applies = target == .poll ? faults.dropPolls : faults.dropFiles
        if applies, faults.dropRate > 0, draw() < faults.dropRate {
            if target == .poll { injectedFaults.droppedPolls += 1 } else { injectedFaults.droppedFiles += 1 }
            return .dropped
        }
        return .none
    }

    func setBaseURL(_ url: String) { baseURL = url }

    func isKnownKey(_ key: String) -> Bool { accounts[key] != nil }

    func balance(of key: String) -> Int? { accounts[key]?.balance }

    // MARK: - Submitting

    /// Charges 2 × n and creates the task, or says why not. The request is already validated.
    func submit(_ request: GenerateRequest, key: String) -> Submission {
        let required = request.credits
        let available = accounts[key]?.balance ?? 0
        guard available >= required else {
            return .insufficientCredits(required: required, available: available)
        }
        accounts[key]!.balance -= required
        let at = now()
        if draw() < configuration.errorRate {
            // Charged, then refunded at once: what the seeds promise for a 500.
            accounts[key]!.balance += required
            ledger.append(
                SimulatorLedgerEntry(
                    taskID: nil, owner: key, prompt: request.prompt, n: request.n, charged: required,
                    refunded: required, outcome: "internal_error", at: at))
            return .internalError
        }
        var id: String
        repeat { id = APIIdentifier.random(using: &random) } while tasks[id] != nil
        let spread = configuration.jitter > 0 ? (draw() * 2 - 1) * configuration.jitter : 0
        let task = SimulatedTask(
            id: id, owner: key, request: request, createdAt: at,
            dueAt: at.addingTimeInterval(max(0, configuration.latency + spread)),
            willFail: draw() < configuration.failRate)
        tasks[id] = task
        ledger.append(
            SimulatorLedgerEntry(
                taskID: task.taskID, owner: key, prompt: request.prompt, n: request.n, charged: required, refunded: 0,
                outcome: "processing", at: at))
        return .accepted(data(for: task, includeResult: false))
    }

    // MARK: - Polling

    /// The task as its owner sees it now, or nil when it does not exist or belongs to
    /// another key (the two are indistinguishable to the caller).
    func poll(taskID: String, key: String) -> TaskData? {
        guard let id = rowID(fromTaskID: taskID), var task = tasks[id], task.owner == key else { return nil }
        task = settle(task)
        return data(for: task, includeResult: true)
    }

    /// Moves a task whose time has come to its end state, refunding a failure.
    private func settle(_ task: SimulatedTask) -> SimulatedTask {
        guard task.status == .processing, now() >= task.dueAt else { return task }
        var task = task
        task.updatedAt = max(task.dueAt, task.createdAt)
        if task.willFail {
            task.status = .failed
            accounts[task.owner]!.balance += task.request.credits
        } else {
            task.status = .completed
        }
        tasks[task.id] = task
        if let entry = ledger.lastIndex(where: { $0.taskID == task.taskID }) {
            ledger[entry].outcome = task.status.rawValue
            if task.willFail { ledger[entry].refunded = ledger[entry].charged }
        }
        return task
    }

    private func data(for task: SimulatedTask, includeResult: Bool) -> TaskData {
        let images =
            task.status == .completed
            ? (0..<task.request.n).map {
                TaskData.Image(url: "\(baseURL)/files/\(Self.fileName(id: task.id, index: $0))")
            }
            : []
        return TaskData(
            id: task.id, taskID: task.taskID, status: task.status, type: task.request.type,
            mediaURL: images.first?.url, images: images,
            error: task.status == .failed
                ? TaskData.Failure(
                    code: APIErrorCode.generationFailed.rawValue,
                    message: "The generator could not render this prompt; the 2 × n credits were refunded.")
                : nil,
            createdAt: Timestamp(task.createdAt).iso8601Milliseconds,
            updatedAt: includeResult ? Timestamp(task.updatedAt ?? task.createdAt).iso8601Milliseconds : nil)
    }

    // MARK: - Files

    /// What a hosted file shows: its task's request, and which of its images it is. Files are
    /// public, as the API's CDN URLs are, but exist only once their task has completed.
    func fileSubject(named name: String) -> (request: GenerateRequest, id: String, index: Int)? {
        guard let (id, index) = Self.parseFileName(name), var task = tasks[id] else { return nil }
        task = settle(task)
        guard task.status == .completed, index < task.request.n else { return nil }
        return (task.request, task.id, index)
    }

    static func fileName(id: String, index: Int) -> String { "\(id)-\(index).png" }

    static func parseFileName(_ name: String) -> (String, Int)? {
        guard name.hasSuffix(".png") else { return nil }
        let stem = name.dropLast(4)
        guard let dash = stem.lastIndex(of: "-"), let index = Int(stem[stem.index(after: dash)...]), index >= 0 else {
            return nil
        }
        return (String(stem[..<dash]), index)
    }

    // MARK: - Ledger

    /// The ledger entries and balance of one key (settling what is due first).
    func ledger(for key: String) -> (entries: [SimulatorLedgerEntry], balance: Int) {
        for task in tasks.values where task.owner == key { _ = settle(task) }
        return (ledger.filter { $0.owner == key }, accounts[key]?.balance ?? 0)
    }

    private func rowID(fromTaskID taskID: String) -> String? {
        guard APIIdentifier.isTaskID(taskID) else { return nil }
        return String(taskID.dropFirst(APIContract.taskIDPrefix.count))
    }

    /// A uniform draw in [0, 1).
    private func draw() -> Double {
        Double(random.next() >> 11) / Double(1 << 53)
    }
}
