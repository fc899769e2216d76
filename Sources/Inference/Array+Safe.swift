/// Bounds-checked element access for reading optional ONNX inputs and attributes.
extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
