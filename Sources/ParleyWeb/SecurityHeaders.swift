public import HTTPTypes

/// The headers every page of the web clients carries. The pages load scripts, styles and
/// images from this server only and run no inline script or style (the widget styles its
/// shadow root through a constructed style sheet, which CSP does not govern); nothing may frame
/// them (`frame-ancestors 'none'` and, for older browsers, `X-Frame-Options: DENY`).
public enum SecurityHeaders {
    public static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "connect-src 'self'",
        "form-action 'none'", "frame-ancestors 'none'", "base-uri 'none'",
    ].joined(separator: "; ")

    /// For HTML pages: the policy above, no framing, no sniffing, no referrer, revalidated.
    public static var page: HTTPFields {
        [
            .contentSecurityPolicy: contentSecurityPolicy, .xFrameOptions: "DENY", .xContentTypeOptions: "nosniff",
            .referrerPolicy: "no-referrer", .cacheControl: "no-cache",
        ]
    }

    /// For the console's own scripts and styles.
    public static var asset: HTTPFields {
        [.xContentTypeOptions: "nosniff", .cacheControl: "no-cache"]
    }

    /// For `widget.js`, which other sites' pages load: cacheable for five minutes, then
    /// revalidated by its `ETag`; loadable by pages that require CORP.
    public static var widgetScript: HTTPFields {
        [
            .xContentTypeOptions: "nosniff", .cacheControl: "public, max-age=300", .crossOriginResourcePolicy: "cross-origin",
            .accessControlAllowOrigin: "*",
        ]
    }
}

extension HTTPField.Name {
    static var xFrameOptions: Self { Self("X-Frame-Options")! }
    static var referrerPolicy: Self { Self("Referrer-Policy")! }
}
