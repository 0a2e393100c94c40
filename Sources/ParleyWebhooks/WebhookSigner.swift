import Crypto
import ParleyModel

/// `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body with the webhook's secret>`
/// (CONTRACT §7).
public enum WebhookSigner {
    public static func signature(of body: [UInt8], secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + Hex.encode(code)
    }
}
