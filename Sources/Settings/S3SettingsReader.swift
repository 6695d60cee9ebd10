import Foundation

/// Reads `s3.*` from the raw values (the file, `VIDEOHOOKD_S3_*`, and the AWS variables
/// below them; see ``AWSEnvironment``). Without `s3.bucket` nothing else is read: the
/// other keys do nothing then, and each one the operator set earns a warning saying so.
struct S3SettingsReader {
    static let accessKeyIDMaxBytes = 128
    static let secretMaxBytes = 4096
    /// STS tokens run to a few kilobytes; the cap only stops nonsense.
    static let sessionTokenMaxBytes = 16 << 10
    static let regionMaxBytes = 64
    static let storageClassMaxBytes = 64
    /// Names that a path or a host cannot carry unescaped; S3 itself allows 3 to 63
    /// characters today and allowed up to 255, with upper case and "_", before 2018.
    static let bucketLength = 3...255
    /// Characters AWS advises against in a key ("characters to avoid"), and those that
    /// URL handling changes (`+` as a space, `?` and `#` ending the path, spaces).
    static let manglingCharacters: Set<Character> = ["\\", "{", "}", "^", "%", "`", "]", "[", "\"", "<", ">",
                                                     "~", "#", "|", "+", "?", " ", "&", "$", "@", "=", ";", ":", ","]

    private var reader: SettingsValueReader

    private init(reader: SettingsValueReader) {
        self.reader = reader
    }

    /// `maxBytes`: `download.max_bytes`, the largest object an upload may have to hold.
    static func read(_ reader: inout SettingsValueReader, maxBytes: Int) -> S3Settings? {
        var s3 = S3SettingsReader(reader: reader)
        defer { reader = s3.reader }
        return s3.read(maxBytes: maxBytes)
    }

    private mutating func read(maxBytes: Int) -> S3Settings? {
        guard reader.isSet(.s3Bucket) else {
            warnKeysWithoutBucket()
            return nil
        }
        let pathStyle = reader.bool(.s3PathStyle) ?? false
        let region = region()
        let endpoint = endpoint(region: region)
        let bucket = bucket(pathStyle: pathStyle, endpoint: endpoint)
        let partSize = partSize(maxBytes: maxBytes)
        let settings = S3Settings(
            bucket: bucket ?? "", endpoint: endpoint, region: region ?? S3Settings.defaultRegion,
            prefix: prefix(), pathStyle: pathStyle, credentials: credentials(),
            storageClass: storageClass(), partSize: partSize,
            keepLocal: reader.bool(.s3KeepLocal) ?? false, caFile: reader.readableFile(.s3CAFile))
        // The problems reported make load throw; the value is then never used.
        return settings
    }

    /// `s3.region: eu-west-1` with no bucket does nothing; say so rather than let the
    /// operator believe videos go to S3. Only the operator's own settings count: an
    /// ambient AWS_REGION on the host is not a mistake.
    private mutating func warnKeysWithoutBucket() {
        for key in SettingsKey.allCases where key.section == "s3" && key != .s3Bucket && reader.isSet(key)
            && !AWSEnvironment.isAWS(reader.origin(of: key)) {
            reader.warn(key, "set, but s3.bucket is not, so it does nothing and videos stay in archive_dir; "
                + "set s3.bucket to archive to object storage, or remove \(key.rawValue)")
        }
    }

    // MARK: Where objects go

    private mutating func region() -> String? {
        guard let text = reader.text(.s3Region, expected: "a region name")?.trimmingSpaces() else { return nil }
        let allowed = text.unicodeScalars.allSatisfy { $0.isASCII && (Self.isAlphanumeric($0) || "-_.".unicodeScalars.contains($0)) }
        guard allowed, (1...Self.regionMaxBytes).contains(text.utf8.count) else {
            // It is signed into every request's scope (`date/region/s3/aws4_request`).
            reader.report(.s3Region, "expected a region name such as us-east-1 or eu-west-1 (letters, digits, "
                + "\"-\", \"_\" or \".\", at most \(Self.regionMaxBytes)), got \(reader.shown(text))")
            return nil
        }
        return text
    }

    /// The endpoint given, or AWS's for the region. An origin only: a path would have to
    /// be joined with the bucket and the key differently by each addressing style.
    private mutating func endpoint(region: String?) -> String {
        let example = "https://s3.eu-west-1.amazonaws.com or http://127.0.0.1:9000"
        guard let url = reader.url(.s3Endpoint, schemes: ["https", "http"], example: example) else {
            let region = region ?? S3Settings.defaultRegion
            let awsRegion = region.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
            if !awsRegion && !reader.isSet(.s3Endpoint) {
                reader.report(.s3Region, "\(reader.shown(region)) is not an AWS region, so there is no AWS endpoint "
                    + "for it; set s3.endpoint to your store's URL, such as https://storage.example.com")
            }
            return S3Settings.defaultEndpoint(region: region)
        }
        guard let parts = URLComponents(string: url), parts.path.isEmpty else {
            reader.report(.s3Endpoint, "expected scheme://host[:port] with no path, such as \(example), got "
                + "\(reader.shown(url)); the bucket goes in s3.bucket and a folder in s3.prefix")
            return url
        }
        if parts.scheme?.lowercased() == "http", let host = parts.host, !LoopbackHost.contains(host) {
            reader.warn(.s3Endpoint, "plain http to \(host): the videos and their metadata cross the network "
                + "in clear text (the requests are signed, not encrypted); use https")
        }
        return url
    }

    private mutating func bucket(pathStyle: Bool, endpoint: String) -> String? {
        guard let text = reader.text(.s3Bucket, expected: "a bucket name")?.trimmingSpaces() else { return nil }
        let allowed = text.unicodeScalars.allSatisfy { $0.isASCII && (Self.isAlphanumeric($0) || "-_.".unicodeScalars.contains($0)) }
        guard allowed, Self.bucketLength.contains(text.count) else {
            reader.report(.s3Bucket, "expected a bucket name: 3 to 63 lower-case letters, digits, \".\" and \"-\" "
                + "(older buckets: up to 255, with upper case and \"_\"), got \(reader.shown(text))")
            return nil
        }
        if !pathStyle {
            if !Self.isHostLabelName(text) {
                // Virtual-hosted addressing puts the bucket in the host name.
                reader.report(.s3Bucket, "\(reader.shown(text)) cannot be part of a host name, as virtual-hosted "
                    + "addressing needs; set s3.path_style: true to address the bucket in the path")
            } else if text.contains("."), endpoint.lowercased().hasPrefix("https:") {
                reader.warn(.s3Bucket, "has dots: over https, \(text).<endpoint host> is not matched by the "
                    + "store's wildcard certificate (*.<endpoint host> covers one label); set s3.path_style: true")
            }
        }
        return text
    }

    /// Today's S3 bucket rules, which are also DNS's: 3 to 63 lower-case letters, digits,
    /// "." and "-", a letter or digit at each end, no "..", not an IPv4 address.
    static func isHostLabelName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard (3...63).contains(scalars.count) else { return false }
        let lowerOrDigit: (Unicode.Scalar) -> Bool = { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        guard scalars.allSatisfy({ lowerOrDigit($0) || $0 == "." || $0 == "-" }),
              lowerOrDigit(scalars.first!), lowerOrDigit(scalars.last!), !name.contains(".."),
              !name.contains(".-"), !name.contains("-.") else { return false }
        let labels = name.split(separator: ".")
        let isIPv4 = labels.count == 4 && labels.allSatisfy { $0.allSatisfy(\.isNumber) }
        return !isIPv4
    }

    /// No leading "/", one trailing "/" when not empty: `videos`, `/videos/` and
    /// `videos//` all mean the folder `videos/`.
    private mutating func prefix() -> String {
        guard let text = reader.text(.s3Prefix, expected: "a key prefix") else { return "" }
        var prefix = Substring(text.trimmingSpaces())
        while prefix.hasPrefix("/") { prefix = prefix.dropFirst() }
        while prefix.hasSuffix("/") { prefix = prefix.dropLast() }
        if prefix.isEmpty { return "" }
        let normalised = prefix + "/"
        if normalised.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            reader.report(.s3Prefix, "a key prefix cannot hold control characters (a line break, a tab)")
            return ""
        }
        guard normalised.utf8.count <= S3Settings.maxPrefixBytes else {
            reader.report(.s3Prefix, "longer than \(S3Settings.maxPrefixBytes) bytes: S3 keys end at 1024 bytes, "
                + "and the date folders and the task id need the rest")
            return ""
        }
        let mangled = Set(normalised.filter { Self.manglingCharacters.contains($0) || !$0.isASCII })
        if !mangled.isEmpty {
            let shown = mangled.sorted().map { "\"\($0)\"" }.joined(separator: " ")
            reader.warn(.s3Prefix, "\(reader.shown(String(normalised))) holds \(shown), which URLs, S3 tools or "
                + "consoles escape or change; keep to letters, digits, \"-\", \"_\", \".\" and \"/\"")
        }
        let segments = prefix.split(separator: "/", omittingEmptySubsequences: false)
        if segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) {
            reader.warn(.s3Prefix, "\(reader.shown(String(normalised))) has an empty, \".\" or \"..\" folder, which "
                + "URL normalisation and S3 tools drop or resolve, so the keys may not be the ones written; remove it")
        }
        return String(normalised)
    }

    // MARK: Credentials

    /// The key id and its secret, as a pair; a missing half is a problem naming the half
    /// that is there. The returned value is a placeholder when a problem was reported.
    private mutating func credentials() -> S3Credentials {
        let id = accessKeyID()
        let (secret, file) = SecretSettingReader(key: .s3SecretAccessKey, fileKey: .s3SecretAccessKeyFile,
                                                 noun: "the secret access key", maxBytes: Self.secretMaxBytes).read(&reader)
        var token: Secret?
        if let text = reader.text(.s3SessionToken, expected: "a session token") {
            token = SecretSettingReader.checked(text.trimmingSpaces(), key: .s3SessionToken, source: "the session token",
                                                maxBytes: Self.sessionTokenMaxBytes, &reader)
        }
        let idGiven = reader.isSet(.s3AccessKeyID)
        let secretGiven = reader.isSet(.s3SecretAccessKey) || reader.isSet(.s3SecretAccessKeyFile)
        switch (idGiven, secretGiven) {
        case (false, false):
            reader.report(.s3Bucket, "set, but no credentials are: set s3.access_key_id with s3.secret_access_key_file "
                + "(or s3.secret_access_key), or the same as VIDEOHOOKD_S3_* variables, or AWS_ACCESS_KEY_ID with "
                + "AWS_SECRET_ACCESS_KEY in the environment (instance roles and ~/.aws files are not read)")
        case (true, false):
            reader.report(.s3AccessKeyID, "set without its secret: set s3.secret_access_key_file or "
                + "s3.secret_access_key beside it")
        case (false, true):
            let key: SettingsKey = reader.isSet(.s3SecretAccessKey) ? .s3SecretAccessKey : .s3SecretAccessKeyFile
            reader.report(key, "set without s3.access_key_id: set the key id that goes with the secret")
        case (true, true):
            break
        }
        return S3Credentials(accessKeyID: id ?? "", secretAccessKey: secret ?? Secret(""), secretAccessKeyFile: file,
                             sessionToken: token)
    }

    /// It goes into `Credential=<id>/<date>/<region>/s3/aws4_request` in every request.
    private mutating func accessKeyID() -> String? {
        guard let text = reader.text(.s3AccessKeyID, expected: "an access key id")?.trimmingSpaces() else { return nil }
        guard SecretSettingReader.isVisibleASCII(text), !text.contains("/"), !text.contains(","),
              (1...Self.accessKeyIDMaxBytes).contains(text.utf8.count) else {
            reader.report(.s3AccessKeyID, "expected printable ASCII without spaces, \"/\" or \",\", at most "
                + "\(Self.accessKeyIDMaxBytes) characters, such as AKIAIOSFODNN7EXAMPLE")
            return nil
        }
        return text
    }

    // MARK: How objects are written

    /// Known classes are taken in any letter case and sent in S3's; another name is
    /// warned about and sent as written. Refusing it would block a store's own class
    /// (Ceph's placement classes, say) or one AWS adds later, and a wrong one fails the
    /// first upload loudly (InvalidStorageClass) anyway.
    private mutating func storageClass() -> String? {
        guard let text = reader.text(.s3StorageClass, expected: "a storage class")?.trimmingSpaces() else { return nil }
        let allowed = text.unicodeScalars.allSatisfy { $0.isASCII && (Self.isAlphanumeric($0) || "-_.".unicodeScalars.contains($0)) }
        guard allowed, (1...Self.storageClassMaxBytes).contains(text.utf8.count) else {
            // It is sent as a header value.
            reader.report(.s3StorageClass, "expected a storage class such as STANDARD_IA (letters, digits, \"-\", "
                + "\"_\" or \".\"), got \(reader.shown(text))")
            return nil
        }
        let upper = text.uppercased()
        guard S3Settings.knownStorageClasses.contains(upper) else {
            var message = "\(reader.shown(text)) is not one of S3's storage classes"
            if let suggestion = NameSuggester.closest(to: text, among: S3Settings.knownStorageClasses) {
                message += " (did you mean \(suggestion)?)"
            }
            reader.warn(.s3StorageClass, message + "; it is sent as written, for a store that defines its own, "
                + "and AWS would refuse every upload with InvalidStorageClass")
            return text
        }
        if S3Settings.archivalStorageClasses.contains(upper) {
            reader.warn(.s3StorageClass, "\(upper) objects must be restored (hours) before they can be read: the "
                + "archive page and API cannot serve them until then; GLACIER_IR is read at once")
        }
        return upper
    }

    private mutating func partSize(maxBytes: Int) -> Int {
        let partSize = reader.byteCount(.s3PartSize, in: S3Settings.partSizeRange,
                                        reason: "S3 refuses a part (all but the last) under 5 MiB and any over 5 GiB")
            ?? S3Settings.defaultPartSize
        // The warnings name the key the operator would change.
        let key: SettingsKey = reader.isSet(.s3PartSize) || !reader.isSet(.downloadMaxBytes) ? .s3PartSize : .downloadMaxBytes
        let parts = (maxBytes + partSize - 1) / partSize
        if maxBytes > S3Settings.maxObjectBytes {
            reader.warn(.downloadMaxBytes, "\(ByteCountParser.format(maxBytes)) is past S3's largest object, 5TiB: "
                + "a video that large would fail to upload; lower download.max_bytes")
        } else if parts > S3Settings.maxParts {
            // The smallest whole MiB that fits download.max_bytes into 10,000 parts.
            let needed = (maxBytes + S3Settings.maxParts - 1) / S3Settings.maxParts
            let suggestion = ((needed + (1 << 20) - 1) >> 20) << 20
            reader.warn(key, "download.max_bytes (\(ByteCountParser.format(maxBytes))) in parts of "
                + "\(ByteCountParser.format(partSize)) takes up to \(parts) parts, past S3's \(S3Settings.maxParts) "
                + "per upload, so a video that large would fail to upload; set s3.part_size to at least "
                + "\(ByteCountParser.format(suggestion))")
        }
        return partSize
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
