// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Where an AWS Region is, for the routing policies a private zone decides by the querying VPC's
/// Region (latency, geolocation, geoproximity). Coordinates are the Regions' metro areas, to a tenth
/// of a degree: enough to tell which Region is nearest.
public struct AWSRegion: Sendable, Hashable {
    public var name: String
    public var latitude: Double
    public var longitude: Double
    /// Route 53's geolocation codes: continent, ISO 3166 country, and for the US the state.
    public var continent: String
    public var country: String
    public var subdivision: String?

    /// The Regions known here; a configured `region` must be one of them.
    public static let all: [String: AWSRegion] = {
        let rows: [(String, Double, Double, String, String, String?)] = [
            ("us-east-1", 38.9, -77.4, "NA", "US", "VA"), ("us-east-2", 40.0, -83.0, "NA", "US", "OH"),
            ("us-west-1", 37.4, -121.9, "NA", "US", "CA"), ("us-west-2", 45.8, -119.7, "NA", "US", "OR"),
            ("us-gov-east-1", 40.0, -83.0, "NA", "US", "OH"), ("us-gov-west-1", 45.8, -119.7, "NA", "US", "OR"),
            ("ca-central-1", 45.5, -73.6, "NA", "CA", nil), ("ca-west-1", 51.0, -114.1, "NA", "CA", nil),
            ("mx-central-1", 20.6, -100.4, "NA", "MX", nil), ("sa-east-1", -23.5, -46.6, "SA", "BR", nil),
            ("eu-west-1", 53.3, -6.3, "EU", "IE", nil), ("eu-west-2", 51.5, -0.1, "EU", "GB", nil),
            ("eu-west-3", 48.9, 2.4, "EU", "FR", nil), ("eu-central-1", 50.1, 8.7, "EU", "DE", nil),
            ("eu-central-2", 47.4, 8.5, "EU", "CH", nil), ("eu-north-1", 59.3, 18.1, "EU", "SE", nil),
            ("eu-south-1", 45.5, 9.2, "EU", "IT", nil), ("eu-south-2", 41.6, -0.9, "EU", "ES", nil),
            ("il-central-1", 32.1, 34.8, "AS", "IL", nil), ("me-south-1", 26.1, 50.6, "AS", "BH", nil),
            ("me-central-1", 24.5, 54.4, "AS", "AE", nil), ("af-south-1", -33.9, 18.4, "AF", "ZA", nil),
            ("ap-east-1", 22.3, 114.2, "AS", "HK", nil), ("ap-east-2", 25.0, 121.5, "AS", "TW", nil),
            ("ap-south-1", 19.1, 72.9, "AS", "IN", nil), ("ap-south-2", 17.4, 78.5, "AS", "IN", nil),
            ("ap-northeast-1", 35.7, 139.7, "AS", "JP", nil), ("ap-northeast-2", 37.6, 127.0, "AS", "KR", nil),
            ("ap-northeast-3", 34.7, 135.5, "AS", "JP", nil), ("ap-southeast-1", 1.3, 103.8, "AS", "SG", nil),
            ("ap-southeast-2", -33.9, 151.2, "OC", "AU", nil), ("ap-southeast-3", -6.2, 106.8, "AS", "ID", nil),
            ("ap-southeast-4", -37.8, 145.0, "OC", "AU", nil), ("ap-southeast-5", 3.1, 101.7, "AS", "MY", nil),
            ("ap-southeast-7", 13.8, 100.5, "AS", "TH", nil), ("cn-north-1", 39.9, 116.4, "AS", "CN", nil),
            ("cn-northwest-1", 38.5, 106.3, "AS", "CN", nil),
        ]
        var table: [String: AWSRegion] = [:]
        for (name, lat, lon, continent, country, subdivision) in rows {
            table[name] = AWSRegion(
                name: name, latitude: lat, longitude: lon, continent: continent, country: country, subdivision: subdivision)
        }
        return table
    }()

    /// Great-circle distance in kilometres (haversine).
    public func distance(latitude: Double, longitude: Double) -> Double {
        func radians(_ degrees: Double) -> Double { degrees * .pi / 180 }
        let dLat = radians(latitude - self.latitude)
        let dLon = radians(longitude - self.longitude)
        let a = sin(dLat / 2) * sin(dLat / 2) + cos(radians(self.latitude)) * cos(radians(latitude)) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * 6371 * asin(min(1, a.squareRoot()))
    }
}
