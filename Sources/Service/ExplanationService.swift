import CAMKit
import FolderRuns
import Foundation
import Hummingbird
import ImageIO
import NIOCore

/// `cam serve`: the routes of the HTTP API (the contract is `WebAssets.openAPIDocument`), on the same
/// per-photo pipeline as `cam explain`. Nothing is written to the file system.
public struct ExplanationService: Sendable {
    public let model: ServiceModel
    public let limits: ServiceLimits
    let metrics = ServiceMetrics()
    let queue: WorkerQueue

    public init(model: ServiceModel, limits: ServiceLimits) {
        self.model = model
        self.limits = limits
        let metrics = self.metrics
        queue = WorkerQueue(classifier: model.classifier, limits: limits) { metrics.setDepth($0) }
    }

    /// GET /v1/colormaps: every colormap's 256 RGB entries (768 integers, interleaved), the
    /// tables the overlays are drawn with, for the viewer's own drawing.
    static let colormaps: [UInt8] = {
        Array((try? ReportWriter.encoder().encode(Colormap.tablesByName)) ?? Data("{}".utf8))
    }()

    func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.get("/healthz") { _, _ in Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n"))) }
        router.get("/openapi.json") { _, _ in json(Array(WebAssets.openAPIDocument.utf8)) }
        router.get("/") { _, _ in Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: WebAssets.viewerPage))) }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
        }
        router.get("/v1/model") { _, _ in json(model.description) }
        router.get("/v1/colormaps") { _, _ in json(Self.colormaps) }
        router.post("/v1/classify") { request, _ in await answer { try await classify(request) } }
        router.post("/v1/explain") { request, _ in await answer { try await explain(request) } }
        return router
    }

    /// Runs until SIGTERM or SIGINT; then refuses new requests (503), lets in-flight ones finish
    /// (at most `limits.drainSeconds`) and returns. `ready` hears the bound address.
    public func run(host: String, port: Int, ready: @escaping @Sendable (String) -> Void) async throws {
        let queue = self.queue
        let app = Application(
            router: router(),
            server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(limits.idleTimeoutSeconds * 1000)))),
            configuration: .init(address: .hostname(host, port: port), serverName: "camkit/\(CAMKitVersion.string)"),
            onServerRunning: { channel in ready(channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? "\(host):\(port)") })
        try await app.runService()
        queue.stopAndWait()
    }

    // MARK: - handlers

    /// The handler's response, or its problem as application/problem+json (counted by kind).
    func answer(_ body: () async throws -> Response) async -> Response {
        do { return try await body() } catch {
            let problem = ServiceProblem.from(error)
            metrics.error(problem.kind)
            return problem.response
        }
    }

    /// The request body, refused before reading when its Content-Length is over the limit and
    /// as soon as it passes the limit otherwise; a multipart form gives its first file.
    func photoBytes(_ request: Request) async throws -> [UInt8] {
        let limit = limits.maxBodyBytes
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw ServiceProblem(.tooLarge, .contentTooLarge, "the body is \(declared) bytes, over the \(limit)-byte limit (--max-body)")
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch is NIOTooManyBytesError {
            throw ServiceProblem(.tooLarge, .contentTooLarge, "the body is over the \(limit)-byte limit (--max-body)")
        }
        let bytes = Array(buffer.readableBytesView)
        let type = request.headers[.contentType] ?? ""
        if type.lowercased().hasPrefix("multipart/form-data") {
            return try MultipartForm.firstFile(in: bytes, contentType: type)
        }
        guard !bytes.isEmpty else { throw ServiceProblem.badRequest("the body is empty: send the photo's bytes, or a multipart form with a file") }
        return bytes
    }

    func query(_ request: Request) -> [String: String] {
        var q: [String: String] = [:]
        for (k, v) in request.uri.queryParameters { q[String(k)] = String(v) }
        return q
    }

    func classify(_ request: Request) async throws -> Response {
        let q = try ExplainQuery(query(request), service: model)
        let bytes = try await photoBytes(request)
        let pipeline = PhotoPipeline(classifier: model.classifier, settings: q.settings)
        struct Body: Encodable { let input: String, width: Int, height: Int, predictions: [Prediction] }
        let name = q.name
        let body = try await queue.run { session in
            let (photo, predictions) = try pipeline.classify(bytes: bytes, path: name, session: session)
            return Body(input: name, width: photo.width, height: photo.height, predictions: predictions)
        }
        return try json(ReportWriter.encoder().encode(body))
    }

    func explain(_ request: Request) async throws -> Response {
        let q = try ExplainQuery(query(request), service: model)
        let wantsJSON = try Self.wantsJSON(request.headers[.accept])
        let bytes = try await photoBytes(request)
        let pipeline = PhotoPipeline(classifier: model.classifier, settings: q.settings)
        let name = q.name
        return try await queue.run { session in
            let e = try pipeline.explain(bytes: bytes, path: name, session: session)
            let record = pipeline.record(relative: name, e)
            if wantsJSON {
                // `normalized` and `geometry` are what the viewer needs to draw the overlay itself
                // (recolouring and re-blending without another request).
                struct RawMap: Encodable { let index: Int, label: String, width: Int, height: Int, values: [Float], normalized: [Float] }
                struct Body: Encodable { let record: ResultRecord, maps: [RawMap], geometry: Geometry }
                let maps = e.maps.map {
                    RawMap(index: $0.index, label: model.classifier.label($0.index), width: $0.raw.width, height: $0.raw.height,
                           values: $0.raw.values, normalized: $0.raw.normalized().values)
                }
                return try json(ReportWriter.encoder().encode(Body(record: record, maps: maps, geometry: e.geometry)))
            }
            // The overlay of the first explained class, as cam explain writes it.
            guard let first = e.maps.first else { throw ServiceProblem(.internal, .internalServerError, "no map was made") }
            let png = try pipeline.encoder.encode(pipeline.overlay(e, first), path: name)
            var headers: HTTPFields = [.contentType: "image/png"]
            if let overlay = record.explained?.first?.overlay { headers[.contentDisposition] = "inline; filename=\"\(overlay)\"" }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: png)))
        }
    }

    /// JSON when the Accept header names application/json before image/png (or alone); the
    /// overlay PNG for image/png, image/*, */* or no Accept; 406 for anything else.
    static func wantsJSON(_ accept: String?) throws(ServiceProblem) -> Bool {
        guard let accept, !accept.isEmpty else { return false }
        for item in accept.split(separator: ",") {
            let type = item.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased()
            if type == "application/json" || type == "application/*" { return true }
            if type == "image/png" || type == "image/*" || type == "*/*" { return false }
        }
        throw ServiceProblem(.badRequest, .notAcceptable, "Accept \(accept): this endpoint answers image/png or application/json")
    }
}

private func json(_ data: some Sequence<UInt8>) -> Response {
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
