/// The tool's version, written into manifests and PNG text chunks.
public enum CAMKitVersion {
    public static let string = "0.1.0"
}
