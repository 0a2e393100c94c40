import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the TLS certificate and key on SIGHUP (`systemctl reload parley`, or after a renewal
/// hook); logs the outcome. Without TLS, SIGHUP is still caught (its default would end the
/// process) and only logged. Ends with graceful shutdown.
struct CertificateReloader: Service {
    let certificates: TLSCertificates?
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            guard let certificates else {
                logger.info("SIGHUP: nothing to reload (no --tls-cert)")
                continue
            }
            do {
                try certificates.reload()
                logger.info("TLS certificate reloaded", metadata: ["parley.tls_cert": "\(certificates.certificatePath)"])
            } catch {
                logger.error(
                    "TLS certificate reload failed; still serving the previous one",
                    metadata: ["parley.tls_cert": "\(certificates.certificatePath)", "parley.error": "\(error)"])
            }
        }
    }
}
