import CCrypto

/// SHA-256 of a byte array, for the manifest's model fingerprint, through OpenSSL's libcrypto
/// (SHA extensions where the CPU has them: 10–20 ms for the 18.5 MB shipped model).
public enum SHA256 {
    /// Lower-case hex digest.
    public static func hex(of bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        // The low-level calls, not the one-shot SHA256(): they use no OpenSSL library context,
        // so hashing on another thread is safe even while the process exits (CCrypto's shim.h).
        var context = SHA256_CTX()
        _ = SHA256_Init(&context)
        bytes.withUnsafeBufferPointer { buf in _ = SHA256_Update(&context, buf.baseAddress, buf.count) }
        digest.withUnsafeMutableBufferPointer { out in _ = SHA256_Final(out.baseAddress, &context) }
        return digest.map { b in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }
}
