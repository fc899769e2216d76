import ArgumentParser
import CAMKit
import FolderRuns

/// Range checks for option values, at the boundary: each error names the option, the value and
/// the allowed range, and NaN or infinity never passes.
enum OptionChecks {
    static func check(_ name: String, _ value: Int?, in range: ClosedRange<Int>) throws {
        guard let value, !range.contains(value) else { return }
        throw ValidationError("--\(name) \(value) is outside \(range.lowerBound)...\(range.upperBound)")
    }

    static func check(_ name: String, _ value: Float?, in range: ClosedRange<Float>) throws {
        guard let value else { return }
        guard value.isFinite, range.contains(value) else {
            throw ValidationError("--\(name) \(value) is outside \(range.lowerBound)...\(range.upperBound) (a finite number)")
        }
    }

    /// Limits shared by the commands.
    static let workers = 1...256
    static let batchSize = 1...1024
    static let topK = 1...100_000
    /// Up to 2^29 pixels (1.6 GB of RGB): the photo, its overlay and its map at photo size must fit.
    static let maxPixels = 1...(1 << 29)
    static let fraction: ClosedRange<Float> = 0...1
    /// JPEG and WebP quality, as libjpeg and libwebp take it.
    static let quality = 1...100
}
