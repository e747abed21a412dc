import Evaluation
import Foundation
import TestSupport
import XCTest

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Collects element names, attributes and text of an SVG document, failing on malformed XML.
final class SVGCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var texts: [String] = []
    private var current = ""

    static func parse(_ svg: String) throws -> SVGCollector {
        let collector = SVGCollector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        guard parser.parse() else {
            throw NSError(
                domain: "SVG", code: 1, userInfo: [NSLocalizedDescriptionKey: "not XML: \(String(describing: parser.parserError))"])
        }
        return collector
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        elements.append((elementName, attributeDict))
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        if elementName == "text" { texts.append(current) }
        current = ""
    }
}

final class SVGTests: XCTestCase {
    let matrix = ConfusionMatrix(labels: [0, 0, 0, 1, 1, 2, 2, 2, 2, 2], predictions: [0, 0, 1, 1, 1, 2, 2, 2, 0, 2], classes: 3)

    func testConfusionMatrixSVGParsesAndShowsEveryCountAndLabel() throws {
        let svg = ConfusionMatrixSVG.render(matrix, title: "Seed <MLP> & test", classNames: ["zero", "one", "two"])
        let doc = try SVGCollector.parse(svg)
        XCTAssertEqual(doc.elements.first?.name, "svg")
        XCTAssertTrue(doc.texts.contains("Seed <MLP> & test"))
        XCTAssertTrue(doc.texts.contains("Predicted label"))
        XCTAssertTrue(doc.texts.contains("True label"))
        for name in ["zero", "one", "two"] { XCTAssertEqual(doc.texts.filter { $0 == name }.count, 2, name) }
        // Cell texts, row by row, are the counts.
        let cellTexts = doc.texts.filter { Int($0) != nil }.prefix(9).map { Int($0)! }
        XCTAssertEqual(cellTexts, matrix.counts.flatMap { $0 })
        // Empty cells are white, the largest count darkest, and its count is written in white.
        let cells = doc.elements.filter {
            $0.name == "rect" && $0.attributes["width"] != "100%" && $0.attributes["width"] == $0.attributes["height"]
                && $0.attributes["fill"]?.hasPrefix("#") == true
        }
        XCTAssertEqual(cells.count, 9)
        XCTAssertEqual(cells[5].attributes["fill"], "#f7fbff")
        XCTAssertEqual(cells[8].attributes["fill"], "#08306b")
        let inks = doc.elements.filter {
            $0.name == "text" && $0.attributes["dominant-baseline"] == "central" && $0.attributes["fill"] != nil
        }
        XCTAssertEqual(inks[8].attributes["fill"], "#ffffff")
        XCTAssertEqual(inks[5].attributes["fill"], "#000000")
    }

    func testLineChartSVGParsesWithOnePolylinePerSeriesAndLegend() throws {
        let svg = LineChartSVG.render(
            title: "Loss", xLabel: "epoch", yLabel: "loss",
            series: [
                .init(name: "train", values: [2.3, 1.1, 0.7, 0.5, 0.42]),
                .init(name: "validation", values: [2.2, 1.3, 0.9, .nan, 0.8]),
            ])
        let doc = try SVGCollector.parse(svg)
        XCTAssertEqual(doc.elements.filter { $0.name == "polyline" }.count, 3)  // the NaN splits validation in two
        XCTAssertTrue(doc.texts.contains("train"))
        XCTAssertTrue(doc.texts.contains("validation"))
        XCTAssertTrue(doc.texts.contains("Loss"))
        XCTAssertTrue(doc.texts.contains("epoch"))
        XCTAssertEqual(doc.texts.filter { ["1", "2", "3", "4", "5"].contains($0) }, ["1", "2", "3", "4", "5"])
        // Y ticks at steps of 0.5 from 0 to 2.5 cover the data.
        XCTAssertEqual(doc.texts.filter { $0.contains(".") }, ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5"])
    }

    func testLineChartSVGWithoutDataStillParses() throws {
        XCTAssertNoThrow(try SVGCollector.parse(LineChartSVG.render(title: "Empty", xLabel: "x", yLabel: "y", series: [])))
        XCTAssertNoThrow(
            try SVGCollector.parse(LineChartSVG.render(title: "Flat", xLabel: "x", yLabel: "y", series: [.init(name: "c", values: [3])])))
    }
}
