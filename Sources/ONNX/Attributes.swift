/// Typed look-ups of a node's attributes.
struct Attributes {
    let byName: [String: AttributeProto]

    init(_ node: NodeProto) {
        var map: [String: AttributeProto] = [:]
        for a in node.attributes { map[a.name] = a }
        byName = map
    }

    func int(_ name: String, _ fallback: Int) -> Int { byName[name].map { Int(clamping: $0.i) } ?? fallback }
    func float(_ name: String, _ fallback: Float) -> Float { byName[name]?.f ?? fallback }
    func ints(_ name: String) -> [Int]? { byName[name].map { $0.ints.map { Int(clamping: $0) } } }
    func floats(_ name: String) -> [Float]? { byName[name]?.floats }
    func string(_ name: String) -> String? { byName[name].map { String(decoding: $0.s, as: UTF8.self) } }
    func has(_ name: String) -> Bool { byName[name] != nil }
    func tensor(_ name: String) -> TensorProto? { byName[name]?.t }
}
