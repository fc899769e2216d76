// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "camkit",
    products: [
        .library(name: "CAMKit", targets: ["CAMKit"]),
        .library(name: "FolderRuns", targets: ["FolderRuns"]),
        .executable(name: "cam", targets: ["cam"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        // cam serve: the HTTP server and its Prometheus metrics.
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        // `swift package generate-documentation --target CAMKit` (the DocC catalog in
        // Sources/CAMKit/CAMKit.docc); a command plugin only, nothing of it is linked.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", exact: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CWebP", pkgConfig: "libwebpmux", providers: [.apt(["libwebp-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CFreeType", pkgConfig: "freetype2", providers: [.apt(["libfreetype-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // ISA-L's igzip: deflate for the overlay PNGs, several times faster than zlib at level 1.
        .systemLibrary(name: "CISAL", pkgConfig: "libisal", providers: [.apt(["libisal-dev"])]),
        // libpng reports errors by longjmp; this C target keeps every setjmp/longjmp inside C.
        .target(name: "CPNGShim", dependencies: ["CPNG"]),
        // Whole-file reads with limits, atomic writes, output folders that links cannot redirect.
        .target(name: "FileIO"),
        // Pixel loops on whole rows — Pillow's resize passes, the overlay blend — with AVX-512,
        // AVX2 or scalar code chosen at run time.
        .target(name: "CPixelKernels"),
        .target(name: "ImageIO", dependencies: ["FileIO", "CPNG", "CPNGShim", "CJPEG", "CWebP", "CFreeType", "CISAL", "CPixelKernels"]),
        // oneDNN's convolutions (JIT kernels for AVX2 and AVX-512, chosen at run time) behind
        // a small C shim; Debian's build runs its threads on libgomp.
        .target(name: "CDNNLShim", linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp")]),
        // Transcendental activations and softmax rows on glibc's vector math (libmvec), one loop
        // per instruction set, chosen with the CPU path at run time.
        .target(name: "CVectorMath", linkerSettings: [.linkedLibrary("mvec"), .linkedLibrary("m")]),
        // Keeps OpenBLAS from starting (and spinning) its own threads: camkit calls it on one.
        .target(name: "CBLASStartup", dependencies: ["CBLAS"], linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "Inference", dependencies: ["CBLAS", "CBLASStartup", "CDNNLShim", "CVectorMath"]),
        .target(name: "ONNX", dependencies: ["Inference", "FileIO"]),
        .target(name: "CAMKit", dependencies: ["FileIO", "ImageIO", "Inference", "ONNX", "CCrypto", "CBLAS", "CPixelKernels"]),
        // The web pages (cam serve's viewer, the folder viewer), their shared drawing script and
        // the OpenAPI document, compiled in (#embed) from their own files.
        .target(name: "CWebAssets", exclude: ["viewer.html", "gallery.html", "overlay.js"]),
        // Everything cam explain, eval, merge and run do with files and folders: input scanning,
        // the worker pool, the per-photo pipeline, results log, manifest, reports, gallery,
        // shards and merge, the evaluation run, the folder viewer.
        .target(name: "FolderRuns", dependencies: ["CAMKit", "FileIO", "ImageIO", "Inference", "ONNX", "CWebAssets"]),
        // cam serve: explanations over HTTP (routes, limits, the worker queue, metrics), on the
        // same per-photo pipeline as cam explain.
        .target(name: "Service", dependencies: [
            "FolderRuns", "CAMKit", "ImageIO", "Inference",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .executableTarget(name: "cam", dependencies: [
            "FolderRuns", "CAMKit", "FileIO", "ImageIO", "Service",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // libFuzzer target for the parsers; a plain build replays files given as arguments.
        .executableTarget(name: "CamFuzz", dependencies: ["FileIO", "ImageIO", "Inference", "ONNX", "CAMKit", "FolderRuns"]),
        // Fixture paths and the suite's tolerance helper, shared by the test targets.
        .target(name: "TestSupport", dependencies: ["Inference"], path: "Tests/TestSupport"),
        .testTarget(name: "ImageIOTests", dependencies: ["FileIO", "ImageIO", "Inference", "TestSupport", "CISAL"]),
        .testTarget(name: "InferenceTests", dependencies: ["FileIO", "Inference", "ONNX", "TestSupport", "CVectorMath", "CBLASStartup"]),
        // The command line in-process: parsing, validation, --help snapshots.
        .testTarget(name: "CLITests", dependencies: ["cam", "TestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // cam and CamFuzz are dependencies so that `swift test` alone builds them, with the
        // suite's flags, beside the test binary: the tests run them as a user would.
        .testTarget(name: "CAMKitTests", dependencies: ["CAMKit", "FolderRuns", "FileIO", "ImageIO", "Inference", "TestSupport", "cam", "CamFuzz"]),
    ],
    swiftLanguageModes: [.v6]
)
