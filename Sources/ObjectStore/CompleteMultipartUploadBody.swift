/// The body of CompleteMultipartUpload: each part's number, ETag and checksum. Written,
/// not parsed, so a few lines with escaping do; the values are the service's own.
enum CompleteMultipartUploadBody {
    static func xml(_ parts: [S3UploadedPart]) -> String {
        var text = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for part in parts {
            text += "<Part><PartNumber>\(part.partNumber)</PartNumber><ETag>\(escape(part.etag))</ETag>"
            if let checksum = part.checksumSHA256 { text += "<ChecksumSHA256>\(escape(checksum))</ChecksumSHA256>" }
            text += "</Part>"
        }
        return text + "</CompleteMultipartUpload>"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }
}
