// SPDX-License-Identifier: Apache-2.0

/// The configuration used when no file and no flags are given: listens on 127.0.0.1:5353 and
/// serves the example interface endpoint, so a fresh build answers something real at once.
public enum DefaultConfig {
    public static let path = "/etc/vpcdnsd/vpcdnsd.yaml"

    public static let yaml = """
        listen:
          - 127.0.0.1:5353
        endpoints:
          - id: vpce-0123456789abcdef0
            dns_suffix: abcd1234
            service: com.amazonaws.us-east-1.execute-api
            private_dns: true
            enis:
              - az: us-east-1a
                ipv4: 10.0.1.15
              - az: us-east-1b
                ipv4: 10.0.2.27
        """
}
