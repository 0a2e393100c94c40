/// The binary form of a site's AI settings (codec v15; `snapshots/FORMAT.md`). Temperature and
/// threshold are kept in thousandths.
extension BinaryWriter {
    public mutating func write(_ settings: AISettings) {
        write(settings.siteID)
        write(settings.provider.rawValue)
        write(settings.model)
        write(UInt64((settings.temperature * 1000).rounded()))
        write(settings.systemPrompt)
        write(settings.autoRespond)
        write(UInt64((settings.confidenceThreshold * 1000).rounded()))
        let keys = settings.apiKeys.sorted { $0.key < $1.key }
        write(UInt64(keys.count))
        for (provider, key) in keys {
            write(provider.rawValue)
            write(key)
        }
        write(settings.botAgentID)
        write(settings.updatedAt)
    }
}

extension BinaryReader {
    public mutating func readAISettings() throws(CodecError) -> AISettings {
        let site: SiteID = try readID()
        let provider = try readEnum(AIProvider.self)
        let model = try readString()
        // Thousandths, bounded: a huge value would not survive writing again (libFuzzer).
        let rawTemperature = try readUInt64()
        guard rawTemperature <= 1_000_000 else { throw .malformed("temperature out of range") }
        let temperature = Double(rawTemperature) / 1000
        let prompt = try readString()
        let autoRespond = try readBool()
        let rawThreshold = try readUInt64()
        guard rawThreshold <= 1_000_000 else { throw .malformed("confidence threshold out of range") }
        let threshold = Double(rawThreshold) / 1000
        var keys: [AIProvider: String] = [:]
        for _ in 0..<(try readCount()) { keys[try readEnum(AIProvider.self)] = try readString() }
        return AISettings(
            siteID: site, provider: provider, model: model, temperature: temperature, systemPrompt: prompt, autoRespond: autoRespond,
            confidenceThreshold: threshold, apiKeys: keys, botAgentID: try readOptional { (r) throws(CodecError) in try r.readID() },
            updatedAt: try readTimestamp())
    }
}
