import XCTest

/// Central finite differences in float64, the reference every backward-pass test checks its gradients against.
public enum FiniteDifference {
    /// The step each value is moved by, both ways.
    public static let step = 1e-5

    /// Central differences in float64 with step 1e-5 have truncation and rounding error around 1e-8 relative to the
    /// gradient; 1e-5 (relative, absolute below magnitude 1) leaves margin while a wrong backward formula is off by
    /// order 1.
    public static let tolerance = 1e-5

    /// Asserts that `analytic` is the derivative at 0 of `loss(delta)`, the loss with one value moved by `delta`:
    /// within `tolerance` of `(loss(step) - loss(-step)) / (2 * step)`, relative to that difference (absolute when it
    /// is below 1). Returns the difference, for callers that also check it is not zero.
    @discardableResult
    public static func assertDerivative(
        _ analytic: Double, of loss: (Double) throws -> Double, _ message: @autoclosure () -> String = "",
        file: StaticString = #filePath, line: UInt = #line
    ) rethrows -> Double {
        let numeric = (try loss(step) - loss(-step)) / (2 * step)
        XCTAssertEqual(analytic, numeric, accuracy: tolerance * max(1, abs(numeric)), message(), file: file, line: line)
        return numeric
    }
}
