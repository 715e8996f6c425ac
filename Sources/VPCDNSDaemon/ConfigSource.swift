// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine
import DNSZone
import EventIO

/// Where the configuration comes from, re-read on every reload: a file, command-line flags, or
/// both (flags override the file's `listen` and add zones).
public struct ConfigSource: Sendable {
    public var file: String?
    /// Replaces the file's `listen` when not empty.
    public var listen: [SocketAddress] = []
    /// Added to the file's zones: (path, origin).
    public var zones: [(path: String, origin: DNSName?)] = []
    /// Replaces the default upstreams when not empty.
    public var upstreams: [SocketAddress] = []
    /// Used when there is neither a file nor flags.
    public var embeddedDefault: String?

    public init(file: String? = nil) { self.file = file }

    /// Reads the file (if any) and applies the flags.
    public func load() -> Result<Config, ConfigErrors> {
        let (config, errors) = read()
        return errors.isEmpty ? .success(config) : .failure(ConfigErrors(errors))
    }

    /// What could be read, with the flags applied, and every problem.
    public func read() -> (Config, [ConfigError]) {
        var config: Config
        var errors: [ConfigError] = []
        if let file {
            (config, errors) = ConfigLoader.read(file: file)
        } else if zones.isEmpty, listen.isEmpty, let embeddedDefault {
            (config, errors) = ConfigLoader.read(embeddedDefault, file: "<embedded default config>")
        } else {
            config = Config()
        }
        if !listen.isEmpty { config.listen = listen }
        for zone in zones {
            config.zones.append(
                Config.ZoneFile(
                    path: zone.path, origin: zone.origin, options: ZoneOptions(),
                    location: SourceLocation(file: "<command line>", line: 1)))
        }
        if !upstreams.isEmpty { config.forwarding.upstreams = upstreams.map { Upstream(ip: $0.ip, port: $0.port) } }
        return (config, errors)
    }
}
