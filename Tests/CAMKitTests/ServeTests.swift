import CAMKit
import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `cam serve` as its users run it: the built binary on a loopback port, spoken to over real
/// sockets (a small HTTP/1.1 client here, so that hostile requests — lying lengths, silent
/// clients — can be sent as they are).
@Suite("cam serve", .serialized)
struct ServeTests {
    /// A value shared by the client threads of a test.
    final class Shared<T>: @unchecked Sendable {  // every access under `lock`
        private let lock = NSLock()
        private var value: T
        init(_ value: T) { self.value = value }
        func withLock<R>(_ body: (inout T) -> R) -> R { lock.lock(); defer { lock.unlock() }; return body(&value) }
    }

    /// A running `cam serve` on a free loopback port; stopped (SIGTERM) by `stop`.
    final class Server {
        let process = Process()
        let port: Int
        private let errors = Pipe()
        /// Everything the server wrote on stderr, read on a thread so the pipe never fills.
        let log = Shared<String>("")

        init(_ args: [String]) throws {
            process.executableURL = URL(fileURLWithPath: try Fixtures.binary("cam"))
            process.arguments = ["serve", "--port", "0"] + args
            process.currentDirectoryURL = URL(fileURLWithPath: Command.repository)
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            // "cam serve: listening on http://127.0.0.1:PORT (…)"
            var text = ""
            let handle = errors.fileHandleForReading
            let deadline = Date().addingTimeInterval(60)
            while !text.contains(" (") || !text.contains("listening on http://") {
                let chunk = handle.availableData
                if chunk.isEmpty || Date() > deadline { throw CheckFailure("cam serve did not start: \(text)") }
                text += String(decoding: chunk, as: UTF8.self)
            }
            log.withLock { $0 = text }
            let log = self.log
            Thread {
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { return }
                    log.withLock { $0 += String(decoding: chunk, as: UTF8.self) }
                }
            }.start()
            let address = text.components(separatedBy: "listening on http://")[1].split(separator: " ")[0]
            guard let p = address.split(separator: ":").last.flatMap({ Int($0) }) else { throw CheckFailure("no port in \(text)") }
            port = p
        }

        /// SIGTERM, then the exit status.
        func stop() -> Int32 {
            if process.isRunning { kill(process.processIdentifier, SIGTERM) }
            process.waitUntilExit()
            return process.terminationStatus
        }

        /// The end of the server's stderr, for a failure message.
        var logTail: String { String(log.withLock { $0 }.suffix(6000)) }

        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    }

    struct Response {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// A connected loopback socket with a 30 s receive timeout.
    static func connect(_ port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CheckFailure("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else { close(fd); throw CheckFailure("connect: errno \(errno)") }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            sent += n
        }
    }

    /// Reads until the server closes (every request here says Connection: close).
    static func readAll(_ fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return out }
            out += buffer[0..<n]
        }
    }

    static func parse(_ raw: [UInt8]) throws -> Response {
        guard let split = (0..<max(raw.count - 3, 0)).first(where: { raw[$0] == 13 && raw[$0 + 1] == 10 && raw[$0 + 2] == 13 && raw[$0 + 3] == 10 }) else {
            throw CheckFailure("no HTTP response (\(raw.count) bytes)")
        }
        let lines = String(decoding: raw[0..<split], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let pair = line.split(separator: ":", maxSplits: 1)
            if pair.count == 2 { headers[pair[0].lowercased()] = pair[1].trimmingCharacters(in: .whitespaces) }
        }
        return Response(status: status, headers: headers, body: Array(raw[(split + 4)...]))
    }

    static func request(_ port: Int, _ method: String, _ target: String, body: [UInt8] = [], headers: [String: String] = [:]) throws -> Response {
        let fd = try connect(port)
        defer { close(fd) }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if method == "POST" && headers["Content-Length"] == nil { head += "Content-Length: \(body.count)\r\n" }
        send(fd, Array((head + "\r\n").utf8) + body)
        return try parse(readAll(fd))
    }

    static let photos = ["astronaut.png", "camera.png", "chelsea.png", "coffee.png", "rocket.jpg"]
    static func photo(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: Command.repository + "/Samples/images/" + name)))
    }

    static func json(_ bytes: [UInt8]) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary)
    }

    @Test func overlaysAndRecordsAreCamExplainsByteForByte() throws {
        let out = try temporaryFolder("serve-cli")
        let cli = try Command.run("cam", ["explain", "Samples/images", "--out", out, "--top-k", "2", "--quiet"], in: Command.repository)
        #expect(cli.status == 0, "\(cli.stderr)")
        let lines = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n")
        let server = try Server(["--workers", "2"])
        defer { _ = server.stop() }
        for name in Self.photos {
            let bytes = try Self.photo(name)
            let png = try Self.request(server.port, "POST", "/v1/explain?name=\(name)&top_k=2", body: bytes)
            #expect(png.status == 200 && png.headers["content-type"] == "image/png", "\(name): \(png.status) \(png.text.prefix(300))")
            let record = try Self.json(Array(lines.first { $0.contains("\"input\":\"\(name)\"") }.map { Array($0.utf8) } ?? []))
            let explained = try #require(record["explained"] as? [NSDictionary])
            let overlayName = try #require(explained.first?["overlay"] as? String)
            let expected = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/" + overlayName)))
            #expect(png.body == expected, "\(name): the service's overlay differs from cam explain's \(overlayName)")
            #expect(png.headers["content-disposition"]?.contains(overlayName) == true)
            // The JSON answer carries the same record as results.jsonl, and one raw map per class.
            let answer = try Self.request(server.port, "POST", "/v1/explain?name=\(name)&top_k=2", body: bytes, headers: ["Accept": "application/json"])
            let body = try Self.json(answer.body)
            #expect(body["record"] as? NSDictionary == record, "\(name): records differ")
            let maps = try #require(body["maps"] as? [NSDictionary])
            #expect(maps.count == 2 && maps.allSatisfy { ($0["values"] as? [Any])?.count == ($0["width"] as? Int ?? -1) * ($0["height"] as? Int ?? -1) })
            // What the viewer draws from: the normalised map (in 0...1, its maximum 1 unless flat)
            // and the photo's geometry.
            for map in maps {
                let normalized = try #require(map["normalized"] as? [Double])
                #expect(normalized.count == (map["values"] as? [Any])?.count && normalized.allSatisfy { $0 >= 0 && $0 <= 1 } && normalized.max() == 1)
            }
            let geometry = try #require(body["geometry"] as? NSDictionary)
            #expect(geometry["photoWidth"] as? Int == record["width"] as? Int && geometry["photoHeight"] as? Int == record["height"] as? Int)
            #expect(geometry["inputWidth"] as? Int == (record["model_input"] as? NSDictionary)?["width"] as? Int)
            // Classification alone: the same predictions, from a multipart form.
            let boundary = "camkit-test-boundary"
            let form = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"\(name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
                + bytes + Array("\r\n--\(boundary)--\r\n".utf8)
            let classified = try Self.request(server.port, "POST", "/v1/classify?top_k=2&name=\(name)", body: form,
                                              headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"])
            #expect(try Self.json(classified.body)["predictions"] as? NSArray == record["predictions"] as? NSArray, "\(name): \(classified.text.prefix(300))")
        }
        #expect(server.stop() == 0, "\(server.logTail)")
    }

    @Test func badRequestsGetProblemsNamingTheCause() throws {
        let server = try Server(["--workers", "1"])
        defer { _ = server.stop() }
        let photo = try Self.photo("chelsea.png")
        let cases: [(String, [UInt8], [String: String], Int, String)] = [
            ("/v1/explain", Array("hello, not an image".utf8), [:], 415, "not a PNG or JPEG"),
            ("/v1/explain", Array(photo.prefix(3000)), [:], 422, "truncated"),
            ("/v1/explain", [], [:], 400, "empty"),
            ("/v1/explain?method=nope", photo, [:], 400, "method nope"),
            ("/v1/explain?alpha=2", photo, [:], 400, "alpha 2"),
            ("/v1/explain?top_k=0", photo, [:], 400, "top_k 0"),
            ("/v1/explain?class=no-such-class", photo, [:], 400, "class"),
            ("/v1/explain?layer=-99", photo, [:], 400, "layer"),
            ("/v1/explain?name=../x", photo, [:], 400, "name"),
            ("/v1/explain?colour=red", photo, [:], 400, "unknown query parameter colour"),
            ("/v1/explain", photo, ["Accept": "text/html"], 406, "Accept text/html"),
            ("/v1/classify", photo, ["Content-Type": "multipart/form-data; boundary=x"], 400, "no file part"),
            // 4 MB of near-boundaries: the boundary search is linear (memmem), so this is answered at once.
            ("/v1/classify", [UInt8](repeating: 0x2D, count: 4 << 20), ["Content-Type": "multipart/form-data; boundary=" + String(repeating: "-", count: 60)],
             400, "no file part"),
            ("/v1/explain?name=a%22b", photo, [:], 400, "name"),
        ]
        for (target, body, headers, status, cause) in cases {
            let r = try Self.request(server.port, "POST", target, body: body, headers: headers)
            #expect(r.status == status, "\(target): \(r.status) \(r.text)")
            #expect(r.headers["content-type"] == "application/problem+json", "\(target)")
            let problem = try Self.json(r.body)
            #expect(problem["status"] as? Int == status && (problem["detail"] as? String)?.contains(cause) == true, "\(target): \(r.text)")
        }
        // The service is still up and counted each problem by kind.
        let metrics = try Self.request(server.port, "GET", "/metrics").text
        #expect(metrics.contains("camkit_errors_total{kind=\"unsupported-media-type\"} 1"), "\(metrics.prefix(600))")
        #expect(metrics.contains("camkit_errors_total{kind=\"bad-request\"} 12"))   // the 406 too
        #expect(server.stop() == 0, "\(server.logTail)")
    }

    @Test func bodyAndPixelLimitsHoldBeforeReading() throws {
        let server = try Server(["--workers", "1", "--max-body", "400000", "--max-pixels", "100000"])
        defer { _ = server.stop() }
        // A declared length over the limit: answered 413 from the headers alone, no body sent.
        let fd = try Self.connect(server.port)
        Self.send(fd, Array("POST /v1/explain HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5000000\r\n\r\n".utf8))
        let early = try Self.parse(Self.readAll(fd))
        close(fd)
        #expect(early.status == 413 && early.text.contains("5000000 bytes"), "\(early.status) \(early.text)")
        // Chunked past the limit (no length to refuse from): 413 once it passes.
        let chunkFD = try Self.connect(server.port)
        Self.send(chunkFD, Array("POST /v1/explain HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
        let chunk = [UInt8](repeating: 0x41, count: 100_000)
        for _ in 0..<5 { Self.send(chunkFD, Array(String(chunk.count, radix: 16).utf8) + [13, 10] + chunk + [13, 10]) }
        Self.send(chunkFD, Array("0\r\n\r\n".utf8))
        let chunked = try Self.parse(Self.readAll(chunkFD))
        close(chunkFD)
        #expect(chunked.status == 413, "\(chunked.status) \(chunked.text)")
        // A 512×512 photo is over 100000 pixels: refused from its header, before decoding.
        let big = try Self.request(server.port, "POST", "/v1/explain", body: try Self.photo("chelsea.png"))
        #expect(big.status == 413 && big.text.contains("100000"), "\(big.status) \(big.text)")
        // A PNG header that claims 60000×60000 (a decompression bomb's first bytes).
        // (signature, IHDR 60000×60000 RGB, a short IDAT, IEND; made with Python's zlib and struct)
        let bomb: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0xEA, 0x60, 0x00, 0x00, 0xEA, 0x60, 0x08, 0x02, 0x00, 0x00, 0x00, 0x0F, 0xB0, 0xE2, 0x15, 0x00, 0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0xA0, 0x0C, 0x00, 0x00, 0x00, 0x40, 0x00, 0x01, 0xB7, 0x34, 0x7C, 0xEF, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
        let bombed = try Self.request(server.port, "POST", "/v1/explain", body: bomb)
        #expect(bombed.status == 413, "\(bombed.status) \(bombed.text)")
        #expect(try Self.request(server.port, "GET", "/healthz").status == 200)
        #expect(server.stop() == 0, "\(server.logTail)")
    }

    @Test func excessRequestsGet503AndTheRestSucceed() throws {
        let server = try Server(["--workers", "1", "--max-inflight", "1"])
        defer { _ = server.stop() }
        let photo = try Self.photo("chelsea.png")
        let results = Shared<[Int]>([])
        let retryAfter = Shared<[String]>([])
        let port = server.port
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            // occlusion: about a second each, so the six overlap.
            let r = try? Self.request(port, "POST", "/v1/explain?method=occlusion", body: photo)
            results.withLock { $0.append(r?.status ?? -1) }
            if r?.status == 503 { retryAfter.withLock { $0.append(r?.headers["retry-after"] ?? "") } }
        }
        let statuses = results.withLock { $0 }
        #expect(statuses.contains(200) && statuses.contains(503) && statuses.allSatisfy { $0 == 200 || $0 == 503 }, "\(statuses)")
        #expect(retryAfter.withLock { $0 }.allSatisfy { $0 == "1" })
        #expect(server.stop() == 0, "\(server.logTail)")
    }

    @Test func requestsThatWaitPastTheDeadlineGet503() throws {
        let server = try Server(["--workers", "1", "--max-inflight", "4", "--deadline", "0.2"])
        defer { _ = server.stop() }
        let photo = try Self.photo("chelsea.png")
        let results = Shared<[(Int, String)]>([])
        let port = server.port
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            // occlusion: about a second each on one worker, so the later two wait past 0.2 s.
            let r = try? Self.request(port, "POST", "/v1/explain?method=occlusion", body: photo)
            results.withLock { $0.append((r?.status ?? -1, r?.text ?? "")) }
        }
        let got = results.withLock { $0 }
        #expect(got.filter { $0.0 == 200 }.count >= 1, "\(got.map(\.0))")
        let late = got.filter { $0.0 == 503 }
        #expect(!late.isEmpty && late.allSatisfy { $0.1.contains("deadline") }, "\(got)")
        #expect(server.stop() == 0, "\(server.logTail)")
    }

    @Test func silentClientsAreCutAndSigtermDrains() throws {
        let server = try Server(["--workers", "1", "--idle-timeout", "1"])
        defer { _ = server.stop() }
        // A client that sends half a request line and stops (slowloris): closed after ~1 s.
        let slow = try Self.connect(server.port)
        Self.send(slow, Array("POST /v1/explain HTTP/1.1\r\nHost: x\r\n".utf8))
        let start = Date()
        let got = Self.readAll(slow)
        close(slow)
        let waited = Date().timeIntervalSince(start)
        #expect(waited < 10 && (got.isEmpty || (try? Self.parse(got))?.status ?? 0 >= 400), "closed after \(waited) s with \(got.count) bytes")
        // SIGTERM while a request runs: it finishes with 200, then the process exits 0.
        let photo = try Self.photo("chelsea.png")
        let answer = Shared<Int>(0)
        let port = server.port
        let inFlight = Thread {
            let r = try? Self.request(port, "POST", "/v1/explain?method=occlusion", body: photo)
            answer.withLock { $0 = r?.status ?? -1 }
        }
        inFlight.start()
        Thread.sleep(forTimeInterval: 0.4)
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        while !inFlight.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        #expect(answer.withLock { $0 } == 200)
        #expect(server.process.terminationStatus == 0, "\(server.logTail)")
        #expect((try? Self.connect(port)) == nil, "still accepting after SIGTERM")
    }

    @Test func contractModelAndViewerAreServed() throws {
        let server = try Server(["--workers", "1"])
        defer { _ = server.stop() }
        let document = try Self.request(server.port, "GET", "/openapi.json")
        let committed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Command.repository + "/docs/openapi.json")))
        #expect(document.status == 200 && document.body == committed, "/openapi.json is not docs/openapi.json")
        let model = try Self.json(try Self.request(server.port, "GET", "/v1/model").body)
        #expect(model["classes"] as? Int == 1000 && (model["labels"] as? [String])?.count == 1000)
        #expect(((model["layers"] as? [NSDictionary])?.count ?? 0) > 3)
        // cam model --json prints the same description.
        let cli = try Command.run("cam", ["model", "Samples/models/efficientnet_lite0.onnx", "--json"], in: Command.repository)
        #expect(cli.status == 0, "\(cli.stderr)")
        #expect(try Self.json(Array(cli.stdout.utf8)) == model, "cam model --json differs from GET /v1/model")
        // Every path of the contract is routed (no 404 for a GET path, a problem for an empty POST).
        let paths = try #require((try Self.json(committed)["paths"] as? NSDictionary)?.allKeys as? [String])
        for path in paths {
            let isPost = path.hasPrefix("/v1/explain") || path.hasPrefix("/v1/classify")
            let r = try Self.request(server.port, isPost ? "POST" : "GET", path)
            #expect(isPost ? r.status == 400 : r.status == 200, "\(path): \(r.status)")
        }
        // The viewer's colour tables are the overlays' own.
        let tables = try Self.json(try Self.request(server.port, "GET", "/v1/colormaps").body)
        for colormap in Colormap.allCases {
            #expect(tables[colormap.rawValue] as? [Int] == colormap.table.map(Int.init), "\(colormap)")
        }
        let page = try Self.request(server.port, "GET", "/")
        #expect(page.status == 200 && page.text.contains("/v1/explain") && page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(try Self.request(server.port, "GET", "/no-such-page").status == 404)
        #expect(server.stop() == 0, "\(server.logTail)")
    }
}
