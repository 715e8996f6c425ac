// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import DNSCore
import EventIO
import Foundation
import Logging
import VPCDNSDaemon

let vpcdnsVersion = ConfigReference.version

/// Flags shared by `serve` and `check`.
struct SourceOptions: ParsableArguments {
    @Option(name: .long, help: "YAML configuration file (default: \(DefaultConfig.path) if it exists).")
    var config: String?

    @Option(name: .long, help: "ADDRESS[:PORT] to listen on (repeatable; replaces the file's listen).")
    var listen: [String] = []

    @Option(name: .long, help: "Zone file to serve, FILE[:ORIGIN] (repeatable).")
    var zone: [String] = []

    @Option(name: .long, help: "Upstream ADDRESS[:PORT] (repeatable; replaces the default upstreams).")
    var upstream: [String] = []

    func source() throws -> ConfigSource {
        var source = ConfigSource(file: config)
        if config == nil, listen.isEmpty, zone.isEmpty, FileManager.default.fileExists(atPath: DefaultConfig.path) {
            source.file = DefaultConfig.path
        }
        source.embeddedDefault = DefaultConfig.yaml
        source.listen = try listen.map { text in
            guard let address = SocketAddress(parsing: text, defaultPort: 53) else {
                throw ValidationError("--listen \(text): expected ADDRESS[:PORT], e.g. 127.0.0.1:5353 or [::1]:5353")
            }
            return address
        }
        source.upstreams = try upstream.map { text in
            guard let address = SocketAddress(parsing: text, defaultPort: 53) else {
                throw ValidationError("--upstream \(text): expected ADDRESS[:PORT]")
            }
            return address
        }
        source.zones = try zone.map(SourceOptions.parseZone)
        return source
    }

    /// `FILE[:ORIGIN]`: the part after the last colon is an origin when it has no slash.
    static func parseZone(_ text: String) throws -> (path: String, origin: DNSName?) {
        if let colon = text.lastIndex(of: ":"), !text[colon...].contains("/") {
            let originText = String(text[text.index(after: colon)...])
            guard let origin = try? DNSName(parsing: originText.hasSuffix(".") ? originText : originText + ".") else {
                throw ValidationError("--zone \(text): \"\(originText)\" is not a domain name")
            }
            return (String(text[..<colon]), origin)
        }
        return (text, nil)
    }
}

struct VPCDNSD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vpcdnsd",
        abstract: "Private DNS resolver for VPC private hosted zones and interface endpoints.",
        version: vpcdnsVersion,
        subcommands: [Serve.self, Check.self, Export.self, GenerateDocs.self],
        defaultSubcommand: Serve.self
    )
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the daemon in the foreground (the default).")

    @OptionGroup var options: SourceOptions

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level \(logLevel): not a level")
        }
        LoggingSystem.bootstrap { StderrLogHandler(label: $0, level: level) }
        let logger = Logger(label: "vpcdnsd")
        logger.info("vpcdnsd \(vpcdnsVersion) starting")
        let status = Daemon(source: try options.source(), logger: logger).run()
        if status != 0 { throw ExitCode(status) }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the configuration and every zone file; print each problem as file:line: message.")

    @OptionGroup var options: SourceOptions

    func run() throws {
        switch SnapshotBuilder.prepare(try options.source()) {
        case .success(let snapshot):
            for warning in snapshot.config.warnings {
                FileHandle.standardError.write(Data(("warning: " + warning.description + "\n").utf8))
            }
            print("ok: \(snapshot.summary)")
        case .failure(let errors):
            for error in errors.errors {
                FileHandle.standardError.write(Data((error.description + "\n").utf8))
            }
            throw ExitCode(1)
        }
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one AWS sync (the configuration's aws:) and write what it read as a config fragment and zone files.")

    @Option(name: .long, help: "YAML configuration file with an aws: section.")
    var config: String

    @Option(name: .long, help: "Directory to write vpcdnsd-aws.yaml and the JSON files it names into.")
    var out: String

    func run() throws {
        switch AWSExport.run(configFile: config, directory: out) {
        case .success(let written):
            for path in written { print("wrote \(path)") }
        case .failure(let error):
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(1)
        }
    }
}

/// `make docs`: writes the configuration reference and the man pages from their sources.
struct GenerateDocs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-docs", abstract: "Write docs/configuration.md and man/ under a source tree.", shouldDisplay: false)

    @Argument(help: "The source tree's root.")
    var root: String = "."

    func run() throws {
        let files = [
            ("docs/configuration.md", ConfigReference.markdown()),
            ("man/vpcdnsd.yaml.5", ConfigReference.manPage()),
            ("man/vpcdnsd.8", DaemonManPage.text()),
        ]
        for (path, text) in files {
            let url = URL(fileURLWithPath: root).appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
            print("wrote \(path)")
        }
    }
}
