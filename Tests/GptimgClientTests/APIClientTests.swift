import AsyncHTTPClient
import Testing

@testable import GptimgClient

/// What the client refuses before it sends anything.
@Suite struct APIClientTests {
    static let key = APIKey("canary-key")!

    @Test func plainHTTPToAnotherMachineIsRefusedSoTheKeyNeverCrossesTheNetworkInClear() throws {
        for base in [
            "http://example.com", "HTTP://api.example.com/", "http://10.0.0.1:8080", "http://127.0.0.1.example.com",
            "http://localhost@example.com", "http://127.0.0.1:80@example.com/v1",
        ] {
            #expect(throws: ClientError.insecureBaseURL(base), "\(base)") {
                try APIClient(baseURL: base, key: Self.key)
            }
        }
        let message = ClientError.insecureBaseURL("http://example.com").description
        #expect(message.contains("https://") && message.contains("127.0.0.1"))
        #expect(!message.contains("\n"))
    }

    @Test func httpsAnywhereAndPlainHTTPOnLoopbackAreAccepted() throws {
        for base in [
            "https://gptimg.co", "https://example.com:8443/api", "http://127.0.0.1:8080", "http://localhost:9",
            "http://[::1]:7", "HTTP://LOCALHOST:1/",
        ] {
            #expect(throws: Never.self, "\(base)") { try APIClient(baseURL: base, key: Self.key) }
        }
    }

    @Test func aRequestThatNeverGotAConnectionIsNeverSentAndADroppedOneMayHaveBeen() {
        // AsyncHTTPClient raises getConnectionFromPoolTimeout only for a request still waiting
        // in the pool's queue; a closed connection may have carried the request.
        #expect(
            APIClient.classify(HTTPClientError.getConnectionFromPoolTimeout)
                == .transport("no connection to the API in time", mayHaveReachedServer: false))
        #expect(
            APIClient.classify(HTTPClientError.connectTimeout)
                == .transport("connect timed out", mayHaveReachedServer: false))
        #expect(
            APIClient.classify(HTTPClientError.remoteConnectionClosed)
                == .transport("the connection was closed", mayHaveReachedServer: true))
        #expect(APIClient.classify(HTTPClientError.readTimeout) == .timedOut)
    }
}
