import CAMKit
import FileIO
import ImageIO

/// Removes temporary files that a killed run left in the output tree (their writer is gone).
public enum StaleTemporaries {
    /// Returns the paths removed; see `OutputFolder.removeStaleTemporaries`.
    @discardableResult
    public static func clean(_ folder: String, abandonedAfter: Double = 3600) -> [String] {
        (try? OutputFolder(folder, create: false))?.removeStaleTemporaries(abandonedAfter: abandonedAfter) ?? []
    }
}
