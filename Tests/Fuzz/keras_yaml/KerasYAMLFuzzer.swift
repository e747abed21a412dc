// libFuzzer harness: Keras `to_yaml()` architectures (`KerasModelConfig.parse(yaml:source:limits:)`, through Yams
// and libyaml) on arbitrary bytes, decoded as UTF-8 with replacement. Built by scripts/fuzz.sh (not a SwiftPM
// target). Every input must parse or throw a KerasFormatError; anything else is a finding.
import Foundation
import KerasFormat
import SafeIO

private let limits = ResourceLimits(maxArrayBytes: 64 << 20, maxTotalBytes: 256 << 20, maxConfigBytes: 1 << 20, maxConfigDepth: 64)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    do {
        let config = try KerasModelConfig.parse(yaml: text, source: "fuzz.yaml", limits: limits)
        _ = try? config.expectedWeightShapes(source: "fuzz.yaml")
    } catch is KerasFormatError {
    } catch {
        fatalError("parse(yaml:) threw a non-KerasFormatError: \(type(of: error)) \(error)")
    }
    return 0
}
