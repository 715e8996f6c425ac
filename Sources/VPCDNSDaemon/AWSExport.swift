// SPDX-License-Identifier: Apache-2.0
import AWS
import Foundation

/// `vpcdnsd export`: one sync, written out for users who review their DNS in git. The files are
/// the AWS CLI's own outputs and Route 53 JSON zones, and `vpcdnsd-aws.yaml` serves them; what
/// is written is checked to load first, as a snapshot built from the sync would be.
public enum AWSExport {
    public static func run(configFile: String, directory: String) -> Result<[String], ConfigErrors> {
        let (config, errors) = ConfigLoader.read(file: configFile)
        if !errors.isEmpty { return .failure(ConfigErrors(errors)) }
        guard let settings = config.aws else {
            return .failure(ConfigErrors([ConfigError(file: configFile, line: 0, message: "no aws: section to export from")]))
        }
        let client: AWSClient
        switch AWSSync.client(settings) {
        case .success(let made): client = made
        case .failure(let error): return .failure(ConfigErrors([error]))
        }
        let inventory: VPCInventory
        do {
            inventory = try VPCInventoryFetcher.fetch(client, vpcID: settings.vpcID)
        } catch {
            return .failure(ConfigErrors([ConfigError(file: configFile, line: settings.location.line, message: "aws sync failed: \(error)")]))
        }
        if case .failure(let problems) = SnapshotBuilder.build(config, inventory: inventory) { return .failure(problems) }
        var written: [String] = []
        for (path, contents) in inventory.exportFiles() {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(path)
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(contents.utf8).write(to: url)
            } catch {
                return .failure(ConfigErrors([ConfigError(file: url.path, line: 0, message: "cannot write: \(error)")]))
            }
            written.append(url.path)
        }
        return .success(written)
    }
}
