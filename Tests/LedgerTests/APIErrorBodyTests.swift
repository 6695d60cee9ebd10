import Foundation
import Testing
import VideoAPI

@Suite("The API's error shape")
struct APIErrorBodyTests {
    @Test("an API error decodes with every field")
    func decodesAPIError() throws {
        let json = #"{"error":{"code":503,"message":"busy","type":"service_unavailable_error","param":null,"fallback_suggestion":"retry after 30 seconds"}}"#
        let body = try JSONDecoder().decode(APIErrorBody.self, from: Data(json.utf8))
        #expect(body.error.code == 503)
        #expect(body.error.type == "service_unavailable_error")
        #expect(body.error.param == nil)
        #expect(body.error.fallbackSuggestion == "retry after 30 seconds")
    }

    @Test("a partial or oddly typed error still decodes what it has")
    func lenient() throws {
        let body = try JSONDecoder().decode(APIErrorBody.self, from: Data(#"{"error":{"code":"x","message":"m"}}"#.utf8))
        #expect(body.error.code == nil)
        #expect(body.error.message == "m")
    }

    @Test("encoding gives the shape the daemon answers with, snake_case and no nulls")
    func encodes() throws {
        let body = APIErrorBody(code: 400, message: "bad", type: "invalid_request_error", param: "status")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(body), as: UTF8.self)
        #expect(text == #"{"error":{"code":400,"message":"bad","param":"status","type":"invalid_request_error"}}"#)
        let withSuggestion = APIErrorBody(code: 503, message: "m", type: "t", fallbackSuggestion: "later")
        #expect(String(decoding: try encoder.encode(withSuggestion), as: UTF8.self).contains(#""fallback_suggestion":"later""#))
    }
}
