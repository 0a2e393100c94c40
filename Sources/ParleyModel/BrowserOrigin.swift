/// Browser origins (`scheme://host[:port]`) as a widget channel lists and checks them.
public enum BrowserOrigin {
    /// The canonical form of an origin a site owner lists: `http` or `https`, a host, an
    /// optional port, no path, query or credentials; lower-cased. `nil` when it is not one.
    public static func canonical(_ text: String) -> String? {
        let lowered = text.lowercased()
        let scheme: String
        if lowered.hasPrefix("https://") {
            scheme = "https"
        } else if lowered.hasPrefix("http://") {
            scheme = "http"
        } else {
            return nil
        }
        var rest = Substring(lowered.dropFirst(scheme.count + 3))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.-:[]")
        guard !rest.isEmpty, rest.count <= 253 + 6, rest.allSatisfy(allowed.contains) else { return nil }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        if rest.hasPrefix("[") {
            // An IPv6 literal, optionally followed by :port.
            guard let close = rest.firstIndex(of: "]") else { return nil }
            let after = rest[rest.index(after: close)...]
            guard after.isEmpty || (after.hasPrefix(":") && isPort(after.dropFirst())) else { return nil }
        } else {
            guard parts.count <= 2, let host = parts.first, !host.isEmpty, !host.hasPrefix("."), !host.hasSuffix("."),
                !host.hasPrefix("-"), !host.contains("..")
            else { return nil }
            if parts.count == 2, !isPort(parts[1]) { return nil }
        }
        return "\(scheme)://\(rest)"
    }

    private static func isPort(_ text: Substring) -> Bool {
        guard let port = Int(text), port >= 1, port <= 65535, text.first != "0" else { return false }
        return true
    }

    /// Whether a browser `Origin` header is allowed by `entry` (a listed origin or a site's
    /// domain): with a scheme, scheme and host[:port] must be equal; without one (a bare
    /// domain), the host alone decides, on any port.
    public static func origin(_ origin: String, matches entry: String) -> Bool {
        func parts(_ text: String) -> (scheme: String?, host: String) {
            let lowered = text.lowercased().trimmed(" /")
            guard let range = lowered.firstRange(of: "://") else { return (nil, String(lowered)) }
            let rest = lowered[range.upperBound...]
            return (String(lowered[..<range.lowerBound]), String(rest.split(separator: "/").first ?? ""))
        }
        let (originScheme, originHost) = parts(origin)
        let (entryScheme, entryHost) = parts(entry)
        if let entryScheme { return originScheme == entryScheme && originHost == entryHost }
        return originHost == entryHost || originHost.split(separator: ":").first.map(String.init) == entryHost
    }
}

extension WidgetChannel {
    /// Whether a page of `origin` may use the widget: any origin while none is listed.
    public func allows(origin: String) -> Bool {
        allowedOrigins.isEmpty || allowedOrigins.contains { BrowserOrigin.origin(origin, matches: $0) }
    }
}

extension String {
    fileprivate func trimmed(_ set: String) -> Substring {
        let characters = Set(set)
        var text = Substring(self)
        while let first = text.first, characters.contains(first) { text = text.dropFirst() }
        while let last = text.last, characters.contains(last) { text = text.dropLast() }
        return text
    }
}
