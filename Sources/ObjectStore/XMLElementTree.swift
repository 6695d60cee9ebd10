import Foundation
import FoundationXML

/// An XML document as a small tree, built by Foundation's `XMLParser` (the parsing is
/// the library's; this only keeps what it reports). S3's answers are small documents of
/// nested elements with text, so names, text and children are all that is kept;
/// attributes and namespaces are not needed. Namespace prefixes are not processed:
/// S3 puts its namespace on the root as a default, so names come without a prefix.
struct XMLElementTree: Sendable {
    var name: String
    var text: String
    var children: [XMLElementTree]

    /// The first child called `name`.
    func child(_ name: String) -> XMLElementTree? {
        children.first { $0.name == name }
    }

    func children(_ name: String) -> [XMLElementTree] {
        children.filter { $0.name == name }
    }

    /// The text of the first child called `name`, nil when there is none.
    func text(_ name: String) -> String? {
        child(name)?.text
    }

    /// The root element of `bytes`, nil when they are not well-formed XML.
    static func parse(_ bytes: [UInt8]) -> XMLElementTree? {
        let parser = XMLParser(data: Data(bytes))
        // No external entities or DTDs: an answer is data, never a reason to fetch more.
        parser.shouldResolveExternalEntities = false
        let builder = Builder()
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else { return nil }
        return root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var stack: [XMLElementTree] = []
        var root: XMLElementTree?

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            stack.append(XMLElementTree(name: elementName, text: "", children: []))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?) {
            guard let done = stack.popLast() else { return }
            if stack.isEmpty {
                root = done
            } else {
                stack[stack.count - 1].children.append(done)
            }
        }
    }
}
