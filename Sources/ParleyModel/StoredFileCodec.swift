/// The binary form of a stored file (codec v13; `snapshots/FORMAT.md`).
extension BinaryWriter {
    public mutating func write(_ file: StoredFile) {
        write(file.id)
        write(file.siteID)
        write(file.originalName)
        write(file.contentType)
        write(file.size)
        write(file.sha256)
        writeOptional(file.uploadedBy) { $0.write($1) }
        write(file.conversationID)
        write(file.createdAt)
    }
}

extension BinaryReader {
    public mutating func readStoredFile() throws(CodecError) -> StoredFile {
        StoredFile(
            id: try readID(), siteID: try readID(), originalName: try readString(), contentType: try readString(), size: try readUInt64(),
            sha256: try readString(), uploadedBy: try readOptional { (r) throws(CodecError) in try r.readParticipant() },
            conversationID: try readOptional { (r) throws(CodecError) in try r.readID() }, createdAt: try readTimestamp())
    }
}
