import CBLAS
import CBLASStartup
import Foundation
import Testing

/// OpenBLAS must run on one thread, without the helper threads its constructor starts (they
/// spin on a core for ~0.1 s): the test runner links `CBLASStartup` as `cam` does.
@Suite struct BLASStartupTests {
    @Test func openBLASRunsOnOneThreadWithoutHelpers() throws {
        #expect(openblas_get_num_threads() == 1)
        // Debian's OpenBLAS is the pthread build (libopenblas0-pthread, what Scripts/setup
        // installs): its pool exists and must have been stopped.
        let library = try String(contentsOfFile: "/proc/self/maps", encoding: .utf8)
        if library.contains("openblas-pthread") {
            #expect(camkit_blas_startup_stopped_helpers() == 1)
        }
        // A matrix product still gives the right numbers on the stopped pool.
        let a: [Float] = [1, 2, 3, 4, 5, 6]          // 2×3
        let b: [Float] = [7, 8, 9, 10, 11, 12]       // 3×2
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 3, 1, a, 3, b, 2, 0, &c, 2)
        #expect(c == [58, 64, 139, 154])
    }
}
