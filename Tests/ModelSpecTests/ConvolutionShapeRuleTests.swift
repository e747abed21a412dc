import ModelSpec
import XCTest

/// The shape rules of the convolution, 1-D pooling and resizing layers, on hand-worked cases, and their refusals.
final class ConvolutionShapeRuleTests: XCTestCase {
    func testConvolutionOutputAndWeightShapes() throws {
        let depthwise = LayerSpec.depthwiseConv2D(
            kernelHeight: 3, kernelWidth: 3, depthMultiplier: 2, strideHeight: 2, strideWidth: 2, padding: .same)
        XCTAssertEqual(try depthwise.outputShape(for: [[9, 10, 3]], layer: "d"), [5, 5, 6])
        XCTAssertEqual(depthwise.weightShapes(for: [[9, 10, 3]]), [[3, 3, 3, 2], [6]])
        let separable = LayerSpec.separableConv2D(
            filters: 4, kernelHeight: 2, kernelWidth: 2, dilationHeight: 2, dilationWidth: 2, useBias: false)
        XCTAssertEqual(try separable.outputShape(for: [[8, 9, 3]], layer: "s"), [6, 7, 4])
        XCTAssertEqual(separable.weightShapes(for: [[8, 9, 3]]), [[2, 2, 3, 1], [1, 1, 3, 4]])
        let grouped = LayerSpec.conv2D(filters: 8, kernelHeight: 3, kernelWidth: 3, dilationHeight: 2, dilationWidth: 2, groups: 4)
        XCTAssertEqual(try grouped.outputShape(for: [[11, 10, 4]], layer: "g"), [7, 6, 8])
        XCTAssertEqual(grouped.weightShapes(for: [[11, 10, 4]]), [[3, 3, 1, 8], [8]])
        let conv1D = LayerSpec.conv1D(filters: 2, kernelSize: 4, stride: 3, padding: .causal, dataFormat: .channelsFirst)
        XCTAssertEqual(try conv1D.outputShape(for: [[3, 20]], layer: "c"), [2, 7])
        XCTAssertEqual(conv1D.weightShapes(for: [[3, 20]]), [[4, 3, 2], [2]])
    }

    /// Keras 3's lengths: valid without output padding `in * s + max(k - s, 0)`, same `in * s`, with output padding
    /// `(in - 1) * s + k - 2 * pad + p`.
    func testConv2DTransposeLengthsFollowKeras3() throws {
        XCTAssertEqual(TransposedConvolutionAxis(input: 5, kernel: 2, stride: 3, padding: .valid, outputPadding: nil)?.output, 15)
        XCTAssertEqual(TransposedConvolutionAxis(input: 5, kernel: 4, stride: 2, padding: .valid, outputPadding: nil)?.output, 12)
        XCTAssertEqual(TransposedConvolutionAxis(input: 5, kernel: 3, stride: 2, padding: .same, outputPadding: nil)?.output, 10)
        XCTAssertEqual(TransposedConvolutionAxis(input: 5, kernel: 4, stride: 2, padding: .same, outputPadding: 1)?.output, 9)
        XCTAssertEqual(TransposedConvolutionAxis(input: 5, kernel: 4, stride: 2, padding: .same, outputPadding: nil)?.crop, 1)
        let spec = LayerSpec.conv2DTranspose(
            filters: 2, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, outputPaddingHeight: 2, outputPaddingWidth: 0)
        XCTAssertThrowsError(try spec.outputShape(for: [[4, 4, 1]], layer: "up")) { error in
            XCTAssertEqual(
                error.localizedDescription,
                "layer 'up' cannot take input (4, 4, 1): output padding 2x0 must be smaller than the strides 2x2 and the output not empty")
        }
    }

    func testPoolingResizingAndEdgeShapes() throws {
        XCTAssertEqual(try LayerSpec.maxPool1D(poolSize: 3, stride: 2, padding: .same).outputShape(for: [[17, 4]], layer: "p"), [9, 4])
        XCTAssertEqual(try LayerSpec.globalMaxPool1D(keepDims: true).outputShape(for: [[17, 4]], layer: "g"), [1, 4])
        XCTAssertEqual(
            try LayerSpec.globalAveragePool2D(dataFormat: .channelsFirst, keepDims: true).outputShape(for: [[4, 5, 6]], layer: "g"),
            [4, 1, 1])
        XCTAssertEqual(
            try LayerSpec.upSampling2D(sizeHeight: 2, sizeWidth: 3, interpolation: .bilinear).outputShape(for: [[4, 5, 3]], layer: "u"),
            [8, 15, 3])
        XCTAssertEqual(try LayerSpec.upSampling1D(size: 3).outputShape(for: [[6, 3]], layer: "u"), [18, 3])
        XCTAssertEqual(
            try LayerSpec.zeroPadding1D(left: 2, right: 1, dataFormat: .channelsFirst).outputShape(for: [[3, 10]], layer: "z"), [3, 13])
        XCTAssertEqual(try LayerSpec.cropping1D(left: 1, right: 3).outputShape(for: [[13, 3]], layer: "c"), [9, 3])
    }

    func testRefusesGroupsThatDoNotDivideAndSequencesOfTheWrongRank() {
        let grouped = LayerSpec.conv2D(filters: 6, kernelHeight: 1, kernelWidth: 1, groups: 4)
        XCTAssertThrowsError(try grouped.outputShape(for: [[5, 5, 4]], layer: "g")) { error in
            XCTAssertEqual(
                error.localizedDescription,
                "layer 'g' cannot take input (5, 5, 4): groups 4 must divide the 4 input channels and the 6 filters")
        }
        XCTAssertThrowsError(try LayerSpec.cropping1D(left: 2, right: 2).outputShape(for: [[4, 3]], layer: "c")) { error in
            XCTAssertEqual(error.localizedDescription, "layer 'c' cannot take input (4, 3): crops (2, 2) from 4 steps")
        }
        XCTAssertThrowsError(try LayerSpec.conv1D(filters: 2, kernelSize: 3).outputShape(for: [[5, 5, 3]], layer: "c")) { error in
            XCTAssertEqual(
                error.localizedDescription,
                "layer 'c' cannot take input (5, 5, 3): needs a sequence input of rank 2 (steps and channels), got rank 3")
        }
    }
}
