import Glibc
import Testing
import URLPolicy

/// Many generated hosts, built from the characters that numeric tricks are made of.
/// Whatever the policy calls a name must be no number to glibc either, and whatever it
/// calls an address must be the address glibc reads.
@Suite("Generated hosts agree with glibc")
struct GeneratedURLTests {
    static let alphabet = Array("0123456789abcdefxX.%:[]@/-_lhost")

    @Test("names are never numbers to inet_aton, addresses are inet_aton's, accepted URLs read back the same")
    func generatedHostsAgreeWithGlibc() throws {
        var generator = SplitMix64(seed: 7)
        let lenient = URLPolicy(allowInternal: true, resolver: nil)
        let strict = URLPolicy(resolver: nil)
        var names = 0, addresses = 0
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 14) + 1
            let host = String((0..<length).map { _ in Self.alphabet[Int(generator.next() % UInt64(Self.alphabet.count))] })
            let url = "https://\(host)/"
            guard case .success(let checked) = lenient.check(url) else { continue }
            // What getaddrinfo would see: the host as decoded by the policy.
            var parsed = in_addr()
            switch checked.host {
            case .name(let name):
                names += 1
                #expect(inet_aton(name, &parsed) == 0, "\(url) is a name to the policy but a number to glibc")
            case .address(let address):
                addresses += 1
                if address.family == .v4 {
                    let decoded = host.removingPercentEncodingForTest.lowercased()
                    let bare = decoded.hasSuffix(".") ? String(decoded.dropLast()) : decoded
                    if inet_aton(bare, &parsed) == 1 {
                        #expect(IPAddress(v4: UInt32(bigEndian: parsed.s_addr)) == address, "\(url)")
                    }
                }
            }
            // The printed form judges the same as the original.
            let again = try #require(lenient.check(checked.description).success, "\(checked) from \(url)")
            #expect(again.host == checked.host)
            // And the strict policy never accepts what is internal.
            if case .success(let accepted) = strict.check(url) {
                #expect(accepted.addresses.allSatisfy { $0.specialPurposeRange == nil })
                if case .address(let address) = accepted.host { #expect(address.specialPurposeRange == nil) }
            }
        }
        // The generator must reach both kinds for the test to mean anything.
        #expect(names > 100)
        #expect(addresses > 100)
    }
}

extension String {
    /// `%XX` decoded, for comparing with what the policy decoded.
    var removingPercentEncodingForTest: String {
        var bytes: [UInt8] = [], utf8 = Array(self.utf8), index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "%"), index + 2 < utf8.count,
               let value = UInt8(String(decoding: utf8[index + 1...index + 2], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
