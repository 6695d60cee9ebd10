import Testing
import URLPolicy

@Suite("Special-purpose ranges and their edges")
struct SpecialPurposeAddressTests {
    /// The first and last address of each private-looking block are refused; the
    /// addresses just outside pass.
    static let edges: [(inside: [String], outside: [String])] = [
        (["10.0.0.0", "10.255.255.255"], ["9.255.255.255", "11.0.0.0"]),
        (["172.16.0.0", "172.31.255.255"], ["172.15.255.255", "172.32.0.0"]),
        (["192.168.0.0", "192.168.255.255"], ["192.167.255.255", "192.169.0.0"]),
        (["100.64.0.0", "100.127.255.255"], ["100.63.255.255", "100.128.0.0"]),
        (["169.254.0.0", "169.254.255.255"], ["169.253.255.255", "169.255.0.0"]),
        (["127.0.0.0", "127.255.255.255"], ["126.255.255.255", "128.0.0.0"]),
        (["198.18.0.0", "198.19.255.255"], ["198.17.255.255", "198.20.0.0"]),
        (["224.0.0.0", "255.255.255.255"], ["223.255.255.255"]),
        (["0.0.0.0", "0.255.255.255"], ["1.0.0.0"]),
        (["fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"], []),
        (["fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"], []),
        (["2001::", "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff"], ["2001:200::", "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff"]),
        (["2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"], ["2001:db9::", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"]),
        (["1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "4000::"], ["2000::1", "3ffe:ffff::1"]),
    ]

    @Test("block edges: inside refused, outside global", arguments: 0..<edges.count)
    func blockEdges(_ index: Int) throws {
        for text in Self.edges[index].inside {
            let address = try #require(IPAddress(text))
            #expect(address.specialPurposeRange != nil, "\(text) should be refused")
        }
        for text in Self.edges[index].outside {
            let address = try #require(IPAddress(text))
            #expect(address.specialPurposeRange == nil, "\(text) should pass: \(address.specialPurposeRange ?? "")")
        }
    }

    @Test("global unicast passes", arguments: [
        "8.8.8.8", "1.1.1.1", "93.184.215.14", "223.255.255.255", "192.0.1.255", "192.0.3.0",
        "2606:4700:4700::1111", "2a00:1450:4001::200e", "2001:4860:4860::8888", "2c0f:fb50::1",
    ])
    func globalUnicastPasses(_ text: String) throws {
        #expect(try #require(IPAddress(text)).specialPurposeRange == nil)
    }

    @Test("embedded IPv4 is judged by the address inside", arguments: [
        ("::ffff:8.8.8.8", nil), ("::ffff:192.168.0.1", "192.168.0.0/16"),
        ("64:ff9b::8.8.8.8", nil), ("64:ff9b::10.1.2.3", "10.0.0.0/8"),
        ("2002:808:808::", nil), ("2002:a00:1::", "10.0.0.0/8"), ("2002:e000:1::", "224.0.0.0/4"),
    ] as [(String, String?)])
    func embeddedIPv4IsJudgedInside(_ text: String, _ expectedRange: String?) throws {
        let reason = try #require(IPAddress(text)).specialPurposeRange
        if let expectedRange {
            #expect(reason?.contains(expectedRange) == true, "\(reason ?? "passed")")
        } else {
            #expect(reason == nil)
        }
    }

    @Test("the most specific range is named")
    func mostSpecificRangeIsNamed() {
        #expect(IPAddress(0, 0, 0, 0).specialPurposeRange == "unspecified (0.0.0.0/32)")
        #expect(IPAddress(0, 0, 0, 1).specialPurposeRange == "this network (0.0.0.0/8)")
        #expect(IPAddress(192, 0, 0, 9).specialPurposeRange == "port control protocol anycast (192.0.0.9/32)")
        #expect(IPAddress(255, 255, 255, 255).specialPurposeRange == "limited broadcast (255.255.255.255/32)")
        #expect(IPAddress("2001:db8::1")?.specialPurposeRange == "documentation (2001:db8::/32)")
    }
}
