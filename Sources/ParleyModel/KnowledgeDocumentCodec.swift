/// The binary form of a knowledge document (codec v14; `snapshots/FORMAT.md`).
extension BinaryWriter {
    public mutating func write(_ document: KnowledgeDocument) {
        write(document.id)
        write(document.siteID)
        write(document.title)
        write(document.category)
        write(document.fileName)
        write(document.format)
        write(document.size)
        write(UInt64(document.passages.count))
        for passage in document.passages { write(passage) }
        write(document.uploadedBy)
        write(document.createdAt)
    }
}

extension BinaryReader {
    public mutating func readKnowledgeDocument() throws(CodecError) -> KnowledgeDocument {
        let id: KnowledgeDocumentID = try readID()
        let site: SiteID = try readID()
        let title = try readString()
        let category = try readString()
        let fileName = try readString()
        let format = try readString()
        let size = try readUInt64()
        var passages: [String] = []
        for _ in 0..<(try readCount()) { passages.append(try readString()) }
        return KnowledgeDocument(
            id: id, siteID: site, title: title, category: category, fileName: fileName, format: format, size: size, passages: passages,
            uploadedBy: try readOptional { (r) throws(CodecError) in try r.readID() }, createdAt: try readTimestamp())
    }
}
