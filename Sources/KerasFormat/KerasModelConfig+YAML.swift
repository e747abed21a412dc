import Foundation
import SafeIO
import Yams

extension KerasModelConfig {
    /// Parses a Keras `model.to_yaml()` architecture. Keras 2 tagged tuples `!!python/tuple`; they are read as
    /// lists. Any other non-standard tag (`!!python/object...`, `!!python/name...`) is refused: nothing is ever
    /// constructed from a tag. Anchors and aliases are followed with a budget of four nodes per byte of YAML in
    /// total, so alias bombs fail instead of expanding. Throws `KerasFormatError.invalidConfig` for YAML that does not
    /// parse, is too large or too deep, or uses a refused tag, then whatever `parse(json:)` throws for the model.
    public static func parse(yaml: String, source: String, limits: ResourceLimits = .default) throws -> KerasModelConfig {
        guard yaml.utf8.count <= limits.maxConfigBytes else {
            throw KerasFormatError.invalidConfig(
                file: source, reason: "is " + ResourceLimits.overLimit(yaml.utf8.count, limit: limits.maxConfigBytes, unit: "bytes"))
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw KerasFormatError.invalidConfig(file: source, reason: "is not valid YAML (\(error))")
        }
        guard let root else { throw KerasFormatError.invalidConfig(file: source, reason: "is an empty YAML document") }
        var converter = YAMLConverter(source: source, nodeBudget: 4 * yaml.utf8.count + 1000, depthLimit: limits.maxConfigDepth)
        return try parse(object: try converter.value(root, depth: 0), source: source, format: "YAML", limits: limits)
    }
}

/// Turns a composed YAML node tree into Foundation values (`[String: Any]`, `[Any]`, `NSNumber`, `String`, `NSNull`)
/// under a node budget and depth limit, accepting only the YAML core tags plus `!!python/tuple`.
struct YAMLConverter {
    static let pythonTuple = "tag:yaml.org,2002:python/tuple"
    let source: String
    var nodeBudget: Int
    let depthLimit: Int

    private func invalid(_ reason: String) -> KerasFormatError { .invalidConfig(file: source, reason: reason) }

    mutating func value(_ node: Node, depth: Int) throws -> Any {
        nodeBudget -= 1
        guard nodeBudget >= 0 else { throw invalid("expands to too many YAML nodes (aliases?)") }
        guard depth <= depthLimit else { throw invalid("is nested deeper than \(depthLimit) levels") }
        let tag = node.tag.rawValue
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: tag) {
            case .null: return NSNull()
            case .bool:
                guard let b = node.bool else { throw invalid("has a malformed boolean '\(scalar.string)'") }
                return NSNumber(value: b)
            case .int:
                guard let i = node.int else { throw invalid("has a malformed integer '\(scalar.string)'") }
                return NSNumber(value: i)
            case .float:
                guard let f = node.float else { throw invalid("has a malformed number '\(scalar.string)'") }
                return NSNumber(value: f)
            case .str: return scalar.string
            default: throw invalid("uses the YAML tag \(tag) on a scalar, which WeightBridge does not read")
            }
        case .sequence(let sequence):
            guard tag == Tag.Name.seq.rawValue || tag == Self.pythonTuple else {
                throw invalid("uses the YAML tag \(tag) on a sequence, which WeightBridge does not read")
            }
            return try sequence.map { try value($0, depth: depth + 1) }
        case .mapping(let mapping):
            guard tag == Tag.Name.map.rawValue else {
                throw invalid("uses the YAML tag \(tag), which WeightBridge never constructs")
            }
            var dict: [String: Any] = [:]
            for (key, item) in mapping {
                guard case .scalar(let k) = key else { throw invalid("has a mapping key that is not a string") }
                if k.string == "<<" {
                    throw invalid("uses a YAML merge key (<<), which WeightBridge does not expand; write the keys out")
                }
                dict[k.string] = try value(item, depth: depth + 1)
            }
            return dict
        case .alias:
            throw invalid("has an unresolved YAML alias")
        }
    }
}
