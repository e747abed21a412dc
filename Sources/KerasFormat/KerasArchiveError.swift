import Foundation
import SafeIO

/// Why a Keras 3 `.keras` archive or weights tree was refused, or could not be written. Messages name the file
/// (and member or weight path) and what was found, on one line.
public enum KerasArchiveError: WeightBridgeError, Equatable {
    /// A required member (`config.json`, `metadata.json`, a weights file) is absent.
    case missingMember(file: String, member: String, found: [String])
    /// A JSON member that is not the JSON object Keras writes.
    case invalidMember(file: String, member: String, reason: String)
    /// Weights stored as `model.weights.npz` (Keras writes them as pickled dictionaries, which WeightBridge never loads).
    case pickledWeights(file: String, member: String)
    /// A weights tree nested deeper than the limit (or cyclic through hard links).
    case treeTooDeep(file: String, path: String, limit: Int)
    /// A weights tree path that cannot be written (empty component, duplicate, a dataset where a group must be).
    case invalidWeightPath(path: String, reason: String)

    public var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .missingMember(let file, let member, let found):
            (file, ".keras archive has no '\(member)' (members: \(found.prefix(10).joined(separator: ", ")))")
        case .invalidMember(let file, let member, let reason): (file, ".keras member '\(member)' is invalid: \(reason)")
        case .pickledWeights(let file, let member):
            (
                file,
                ".keras weights in '\(member)' are pickled Python objects, which WeightBridge never loads "
                    + "(save with the default weights_format='h5')"
            )
        case .treeTooDeep(let file, let path, let limit):
            (file, "weights nested deeper than \(limit) groups at '\(path)' (a cycle of hard links?); refused")
        case .invalidWeightPath(let path, let reason): (nil, "cannot write weight '\(path)': \(reason)")
        }
    }
}
