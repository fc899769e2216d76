import CAMKit
import FolderRuns
import Foundation
import Hummingbird
import ImageIO
import Inference

/// An error as an RFC 9457 problem: a kind (its `type` URI and metrics label), an HTTP status
/// and one line naming the cause, never a stack trace.
public struct ServiceProblem: Error, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case badRequest = "bad-request"
        case tooLarge = "too-large"
        case unsupportedMediaType = "unsupported-media-type"
        case undecodable = "undecodable-image"
        case busy
        case deadline
        case stopping
        case notFound = "not-found"
        case `internal`
    }

    public let kind: Kind
    public let status: HTTPResponse.Status
    public let detail: String

    public init(_ kind: Kind, _ status: HTTPResponse.Status, _ detail: String) {
        self.kind = kind
        self.status = status
        self.detail = detail
    }

    static func badRequest(_ detail: String) -> ServiceProblem { ServiceProblem(.badRequest, .badRequest, detail) }

    /// The problem for an error thrown while decoding or explaining a photo.
    static func from(_ error: any Error) -> ServiceProblem {
        if let p = error as? ServiceProblem { return p }
        if let e = error as? ImageError {
            switch e {
            case .tooLarge: return ServiceProblem(.tooLarge, .contentTooLarge, e.description)
            case .unsupportedFormat: return ServiceProblem(.unsupportedMediaType, .unsupportedMediaType, e.description)
            case .truncated, .corrupt: return ServiceProblem(.undecodable, .unprocessableContent, e.description)
            default: return ServiceProblem(.internal, .internalServerError, e.description)
            }
        }
        if let e = error as? CAMError, case .photoTooLargeForModel = e {
            return ServiceProblem(.tooLarge, .unprocessableContent, e.description)
        }
        return ServiceProblem(.internal, .internalServerError, "\(error)")
    }

    /// application/problem+json, with Retry-After on 503.
    var response: Response {
        struct Body: Encodable { let type: String, title: String, status: Int, detail: String }
        let body = Body(type: "https://camkit.invalid/problems/\(kind.rawValue)", title: status.reasonPhrase, status: status.code, detail: detail)
        let data = (try? ReportWriter.encoder().encode(body)) ?? Data()
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if status == .serviceUnavailable { headers[.retryAfter] = "1" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
