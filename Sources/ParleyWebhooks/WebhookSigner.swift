import Crypto

/// `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body with the webhook's secret>`
/// (CONTRACT §7).
public enum WebhookSigner {
    public static func signature(of body: [UInt8], secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + code.map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]], as: UTF8.self)
        }.joined()
    }
}
