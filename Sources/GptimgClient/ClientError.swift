import GptimgAPI

/// What can go wrong talking to the API, each with a one-line message that names the problem
/// and the fix. Never carries the key.
public enum ClientError: Error, Sendable, Equatable {
    case invalidRequest(RequestValidationError)
    case unauthorized(message: String)
    case insufficientCredits(required: Int?, available: Int?)
    case rejected(status: Int, code: String, message: String)
    case notFound(taskID: String)
    case serverError(status: Int, message: String)
    case malformedResponse(String)
    case transport(String, mayHaveReachedServer: Bool)
    case timedOut(mayHaveReachedServer: Bool)
    case download(String)
}
