import CDNNLShim
import CVectorMath
#if canImport(Glibc)
import Glibc
#endif

/// The instruction-set path a process's convolutions run on. `avx512` and `avx2` are oneDNN's
/// JIT kernels (chosen by the CPU at run time, never by the build machine) capped at that
/// instruction set; `generic` is camkit's portable path (Swift loops and OpenBLAS). The path is
/// process-wide: oneDNN fixes its instruction set at its first kernel.
public enum CPUPath: String, Sendable, CaseIterable {
    case avx512, avx2, generic

    /// The environment variable that forces a path.
    public static let environmentVariable = "CAMKIT_ISA"

    /// The process's path: `CAMKIT_ISA` if set and valid, else the best the CPU has.
    public static let active: CPUPath = {
        let wanted = (try? requested(getenvString(environmentVariable))) ?? nil
        return select(wanted)
    }()

    /// Parses a `CAMKIT_ISA` value (nil when unset or empty).
    public static func requested(_ value: String?) throws(InferenceError) -> CPUPath? {
        guard let value, !value.isEmpty else { return nil }
        guard let path = CPUPath(rawValue: value.lowercased()) else {
            throw .cpuPath(detail: "\(environmentVariable)=\(value) is not one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return path
    }

    /// Checks `CAMKIT_ISA` against this CPU: an unknown value or a path the CPU lacks is an error.
    public static func checkEnvironment() throws(InferenceError) {
        guard let wanted = try requested(getenvString(environmentVariable)) else { return }
        if active != wanted {
            throw .cpuPath(detail: "\(environmentVariable)=\(wanted.rawValue) but this CPU runs \(active.rawValue) at best (oneDNN reports \(String(cString: camkit_dnnl_isa_name())))")
        }
    }

    /// Caps oneDNN at the requested path and reports the path that will run.
    static func select(_ requested: CPUPath?) -> CPUPath {
        switch requested {
        case .generic: return .generic
        case .avx2: _ = camkit_dnnl_set_isa(CAMKIT_ISA_AVX2)
        case .avx512: _ = camkit_dnnl_set_isa(CAMKIT_ISA_AVX512)
        case nil: break
        }
        switch String(cString: camkit_dnnl_isa_name()) {
        case "avx512_core": return .avx512
        case "avx2": return .avx2
        default: return .generic
        }
    }

    /// The lane width of the vector math kernels (CVectorMath) on this path.
    var vectorLevel: Int32 {
        switch self {
        case .avx512: return Int32(CAMKIT_VM_AVX512.rawValue)
        case .avx2: return Int32(CAMKIT_VM_AVX2.rawValue)
        case .generic: return Int32(CAMKIT_VM_SCALAR.rawValue)
        }
    }

    /// A description for `cam model` and profiles, e.g. "avx512 (oneDNN)".
    public var summary: String {
        self == .generic ? "generic (Swift and OpenBLAS)" : "\(rawValue) (oneDNN)"
    }

    private static func getenvString(_ name: String) -> String? {
        guard let p = getenv(name) else { return nil }
        return String(cString: p)
    }
}
