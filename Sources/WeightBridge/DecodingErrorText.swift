import Foundation

/// A `DecodingError` as one sentence a user can act on ("missing key 'decimals' at mlp.test_accuracy"), instead
/// of Swift's dump of the error value (`keyNotFound(CodingKeys(stringValue: ...`).
enum DecodingErrorText {
    static func describe(_ error: Error) -> String {
        guard let decoding = error as? DecodingError else { return (error as? LocalizedError)?.errorDescription ?? "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            let joined = keys.reduce("") { $0.isEmpty || $1.hasPrefix("[") ? $0 + $1 : $0 + "." + $1 }
            return joined.isEmpty ? "the top level" : joined
        }
        switch decoding {
        case .keyNotFound(let key, let context):
            return "missing key '\(key.stringValue)' at \(path(context))"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return
                "\(path(context)) is not \(type == String.self ? "a string" : type == Int.self ? "an integer" : type == Double.self ? "a number" : "of the expected kind")"
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.localizedDescription
            return "not valid JSON" + (context.codingPath.isEmpty ? "" : " at \(path(context))") + (underlying.map { ": \($0)" } ?? "")
        @unknown default:
            return "\(error)"
        }
    }
}
