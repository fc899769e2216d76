import CBLAS
import CBLASStartup
import Foundation
import Inference
import ONNX
import Testing
import TestSupport

/// OpenBLAS must run on one thread, without the helper threads its constructor starts (they
/// spin on a core for ~0.1 s): the test runner links `CBLASStartup` as `cam` does.
@Suite struct BLASStartupTests {
    @Test func openBLASRunsOnOneThreadWithoutHelpers() throws {
        // An engine first: nothing camkit does on the way to a run may restart the pool
        // (openblas_set_num_threads does, whatever its argument).
        let model = try ONNXModel.load(path: Fixtures.path("onnx/densenet_small.onnx"))
        _ = InferenceEngine(graph: model.graph)
        #expect(openblas_get_num_threads() == 1)
        // The pthread build (libopenblas0-pthread, what Scripts/setup installs) exports whether
        // its pool is running; it must not be. Other builds have no pool to stop.
        if let running = dlsym(nil /* RTLD_DEFAULT */, "blas_server_avail") {
            #expect(camkit_blas_startup_stopped_helpers() == 1)
            #expect(running.load(as: Int32.self) == 0, "OpenBLAS's thread pool is running")
        }
        // A matrix product still gives the right numbers on the stopped pool.
        let a: [Float] = [1, 2, 3, 4, 5, 6]          // 2×3
        let b: [Float] = [7, 8, 9, 10, 11, 12]       // 3×2
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 3, 1, a, 3, b, 2, 0, &c, 2)
        #expect(c == [58, 64, 139, 154])
    }
}
