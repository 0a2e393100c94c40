import CLibXML2

/// Text out of markup parsed by libxml2: HTML through its forgiving HTML parser (scripts,
/// styles and other non-content elements dropped, block elements ending paragraphs), and the
/// XML of a DOCX body (`w:p` paragraphs of `w:t` runs). Entities are not expanded beyond the
/// predefined ones and nothing is fetched from the network.
enum MarkupText {
    private static let initialized: Void = xmlInitParser()

    /// Elements whose content is not text a reader sees.
    static let skippedHTML: Set<String> = [
        "script", "style", "noscript", "template", "head", "svg", "math", "iframe", "object", "canvas", "select", "button",
    ]
    /// Elements that end a paragraph.
    static let blockHTML: Set<String> = [
        "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "li", "ul", "ol", "dl", "dt", "dd", "table",
        "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "br", "hr", "figure", "figcaption", "address",
        "details", "summary",
    ]

    static func html(_ bytes: [UInt8]) throws(ExtractionError) -> String {
        _ = initialized
        // Without a declared charset libxml2 would assume Latin-1; text that is valid UTF-8 is UTF-8.
        let encoding: String? = String(validating: bytes, as: UTF8.self) != nil ? "UTF-8" : nil
        let options = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NONET.rawValue)
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                htmlReadMemory(chars.baseAddress, Int32(chars.count), "document.html", encoding, options)
            }
        }
        guard let document else { throw .unparsable("the HTML could not be parsed") }
        defer { xmlFreeDoc(document) }
        guard let root = xmlDocGetRootElement(document) else { return "" }
        return walk(root) { name in
            if skippedHTML.contains(name) { return .skip }
            return blockHTML.contains(name) ? .block : .inline
        } text: { _ in true }
    }

    static func docxBody(_ bytes: [UInt8]) throws(ExtractionError) -> String {
        _ = initialized
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                xmlReadMemory(chars.baseAddress, Int32(chars.count), "document.xml", "UTF-8", options)
            }
        }
        guard let document else { throw .unparsable("word/document.xml is not well-formed XML") }
        defer { xmlFreeDoc(document) }
        guard let root = xmlDocGetRootElement(document) else { return "" }
        return walk(root) { name in
            switch name {
            case "p": .block
            case "tab", "br", "cr": .space
            // Deleted revisions and field instructions are not the document's text.
            case "del", "instrtext", "deltext": .skip
            default: .inline
            }
        } text: { parent in parent == "t" }
    }

    enum Role {
        case skip, block, inline, space
    }

    /// The text under `root`, depth first without recursion: `role` says what each element
    /// does, `text` which parents' text nodes count. Blocks end with a blank line.
    static func walk(_ root: xmlNodePtr, role: (String) -> Role, text keep: (String) -> Bool) -> String {
        var output = ""
        var node: xmlNodePtr? = root
        while let current = node {
            var descend = false
            switch current.pointee.type {
            case XML_ELEMENT_NODE:
                switch role(name(of: current)) {
                case .skip: break
                case .space: output += " "
                case .block, .inline: descend = true
                }
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let parent = current.pointee.parent, keep(name(of: parent)), let content = current.pointee.content {
                    output += String(cString: content)
                }
            default: break
            }
            if descend, let child = current.pointee.children {
                node = child
                continue
            }
            // Leave this node (and every ancestor that has no next sibling), ending blocks.
            var leaving: xmlNodePtr? = current
            node = nil
            while let left = leaving {
                if left.pointee.type == XML_ELEMENT_NODE, role(name(of: left)) == .block { output += "\n\n" }
                if left == root { break }
                if let next = left.pointee.next {
                    node = next
                    break
                }
                leaving = left.pointee.parent
            }
        }
        return output
    }

    static func name(of node: xmlNodePtr) -> String {
        guard let name = node.pointee.name else { return "" }
        return String(cString: name).lowercased()
    }
}
