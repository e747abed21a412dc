// libFuzzer harness: Keras `model_config` JSON (`KerasModelConfig.parse(json:source:limits:)`) on arbitrary bytes.
// Built by scripts/fuzz.sh (not a SwiftPM target). Every input must parse or throw a KerasFormatError; a trap,
// sanitizer report, timeout or out-of-memory is a finding. A configuration that parses is also asked for its
// weight shapes and parameter count (the arithmetic on untrusted unit and kernel sizes) and re-encoded.
import Foundation
import KerasFormat
import SafeIO

private let limits = ResourceLimits(maxArrayBytes: 64 << 20, maxTotalBytes: 256 << 20, maxConfigBytes: 1 << 20, maxConfigDepth: 64)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    do {
        let config = try KerasModelConfig.parse(json: data, source: "fuzz.json", limits: limits)
        _ = try? config.expectedWeightShapes(source: "fuzz.json")
        _ = try? config.parameterCount(source: "fuzz.json")
        if let json = try? config.jsonData(flavor: .keras3) {
            _ = try? KerasModelConfig.parse(json: json, source: "re-encoded.json", limits: limits)
        }
    } catch is KerasFormatError {
    } catch {
        fatalError("parse(json:) threw a non-KerasFormatError: \(type(of: error)) \(error)")
    }
    return 0
}
