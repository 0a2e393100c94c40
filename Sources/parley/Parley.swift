import ArgumentParser
import Logging
import ParleyServer
#if canImport(Glibc)
import Glibc
#endif

/// `parley`: the broker and its operations tools.
struct Parley: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley",
        abstract: "Parley, a realtime support-chat broker.",
        discussion: "Exit codes: 0 ok, 1 damage or failure found, 2 usage error.",
        subcommands: [Serve.self, SnapshotCommand.self, WALCommand.self, AdminCommand.self, HistoryCommand.self, ClusterCommand.self])
}

/// A failure the CLI reports with its own exit code (1 for damage or refused work).
struct CLIFailure: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32 = 1
    var description: String { message }
}

@main
enum ParleyMain {
    static func main() async {
        do {
            var command = try Parley.parseAsRoot()
            // Logs go to standard error; standard output carries the commands' JSON.
            let level: Logger.Level = (command as? Serve).flatMap { Logger.Level(rawValue: $0.logLevel) } ?? .warning
            let json = (command as? Serve)?.logFormat == "json"
            LoggingSystem.bootstrap { label in
                var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIFailure {
            FileOutput.standardError("parley: \(failure.message)")
            exit(failure.exitCode)
        } catch {
            let code = Parley.exitCode(for: error)
            if code == .success { Parley.exit(withError: error) }
            let message = Parley.fullMessage(for: error)
            // Usage errors exit 2 (CONTRACT §7); anything else that escapes is a failure (1).
            if code == .validationFailure {
                FileOutput.standardError(message)
                exit(2)
            }
            FileOutput.standardError("parley: \(message)")
            exit(1)
        }
    }
}
