import CCrypto

/// SHA-256 of a byte array, for the manifest's model fingerprint, through OpenSSL's libcrypto
/// (SHA extensions where the CPU has them: 10–20 ms for the 18.5 MB shipped model).
public enum SHA256 {
    /// Lower-case hex digest.
    public static func hex(of bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        bytes.withUnsafeBufferPointer { buf in
            digest.withUnsafeMutableBufferPointer { out in
                _ = CCrypto.SHA256(buf.baseAddress, buf.count, out.baseAddress)
            }
        }
        return digest.map { b in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }
}
