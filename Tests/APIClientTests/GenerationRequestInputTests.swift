import APIClient
import Foundation
import Testing

@Suite("The create request: every flag checked before anything is sent")
struct GenerationRequestInputTests {
    static let callback = "https://hooks.example.com/callbacks/tok_0123456789abcdefghij"

    func problems(_ input: GenerationRequestInput) -> [String] {
        input.problems().map(\.description)
    }

    @Test("A prompt is required, and not blank")
    func promptRequired() {
        #expect(problems(GenerationRequestInput(prompt: nil)) == ["--prompt is required: the text describing the video"])
        #expect(problems(GenerationRequestInput(prompt: " \n\t")) == ["--prompt is empty; give the text describing the video"])
    }

    @Test("A prompt of 2000 characters passes, 2001 is refused, counted in characters not bytes")
    func promptLimit() {
        #expect(problems(GenerationRequestInput(prompt: String(repeating: "é", count: 2000))).isEmpty)
        let long = problems(GenerationRequestInput(prompt: String(repeating: "a", count: 2001)))
        #expect(long == ["--prompt is 2001 characters long; the API takes at most 2000"])
    }

    @Test("At most two images; a third is refused naming --image")
    func imageCount() {
        let two = GenerationRequestInput(prompt: "p", imageURLs: ["https://a.example/1.png", "https://a.example/2.JPG"])
        #expect(problems(two).isEmpty)
        var three = two
        three.imageURLs.append("https://a.example/3.webp")
        #expect(problems(three) == ["--image is given 3 times; at most 2 images (1: image to video, 2: first and last frame)"])
    }

    @Test("Images must be http(s) URLs ending in .jpg .jpeg .png or .webp, a query allowed")
    func imageForms() {
        let good = ["https://cdn.example/a.jpeg?sig=1", "http://cdn.example/x/y.webp#f", "https://cdn.example/z.PNG"]
        for url in good {
            #expect(GenerationRequestInput(prompt: "p", imageURLs: [url]).problems().isEmpty, "\(url)")
        }
        let bad: [(String, String)] = [
            ("https://cdn.example/a.gif", "does not end in .jpg .jpeg .png .webp"),
            ("https://cdn.example/png", "does not end in"),
            ("ftp://cdn.example/a.png", "has scheme ftp"),
            ("cdn.example/a.png", "is not an absolute URL"),
            ("https:///a.png", "has no host"),
            ("https://cdn.example/a b.png", "contains a space"),
            ("https://cdn.example/" + String(repeating: "a", count: 2048) + ".png", "at most 2048"),
        ]
        for (url, words) in bad {
            let found = problems(GenerationRequestInput(prompt: "p", imageURLs: [url]))
            #expect(found.count == 1 && found[0].hasPrefix("--image ") && found[0].contains(words), "\(url): \(found)")
        }
    }

    @Test("Duration 4 and 12 pass; 3 and 13 are refused naming --duration")
    func durationRange() {
        #expect(problems(GenerationRequestInput(prompt: "p", duration: 4)).isEmpty)
        #expect(problems(GenerationRequestInput(prompt: "p", duration: 12)).isEmpty)
        for value in [3, 13, 0, -5] {
            #expect(problems(GenerationRequestInput(prompt: "p", duration: value))
                == ["--duration is \(value); the API takes a whole number of seconds from 4 to 12"])
        }
    }

    @Test("Quality and aspect ratio take the values the API lists, and only those")
    func enumeratedValues() {
        for quality in ["480p", "720p", "1080p"] {
            #expect(problems(GenerationRequestInput(prompt: "p", quality: quality)).isEmpty)
        }
        for ratio in ["16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "adaptive"] {
            #expect(problems(GenerationRequestInput(prompt: "p", aspectRatio: ratio)).isEmpty)
        }
        #expect(problems(GenerationRequestInput(prompt: "p", quality: "4k")) == ["--quality is \"4k\"; one of 480p, 720p, 1080p"])
        #expect(problems(GenerationRequestInput(prompt: "p", aspectRatio: "2:1"))
            == ["--aspect-ratio is \"2:1\"; one of 16:9, 9:16, 1:1, 4:3, 3:4, 21:9, adaptive"])
    }

    @Test("A model must be non-empty printable text without spaces")
    func model() {
        #expect(problems(GenerationRequestInput(prompt: "p", model: "seedance-1.5-pro")).isEmpty)
        #expect(problems(GenerationRequestInput(prompt: "p", model: "")).first?.hasPrefix("--model is empty") == true)
        #expect(problems(GenerationRequestInput(prompt: "p", model: "a b")).first?.hasPrefix("--model must be") == true)
    }

    @Test("Every problem is reported at once, in flag order")
    func allProblemsAtOnce() {
        let input = GenerationRequestInput(prompt: nil, imageURLs: ["x"], duration: 99, quality: "8k", aspectRatio: "0")
        #expect(input.problems().map(\.field) == [.prompt, .image, .duration, .quality, .aspectRatio])
        guard case .failure(let problems) = input.validated(callbackURL: Self.callback) else {
            Issue.record("an invalid input validated")
            return
        }
        #expect(problems.description.split(separator: "\n").count == 5)
    }

    @Test("A valid input becomes a request with every field spelled out, the defaults included")
    func requestBody() throws {
        let input = GenerationRequestInput(prompt: "A cat \"playing\" piano", imageURLs: ["https://i.example/a.png"],
                                           duration: 8, quality: "1080p", aspectRatio: "9:16", generateAudio: false)
        let request = try input.validated(callbackURL: Self.callback).get()
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.jsonBody())) as? [String: Any])
        #expect(body["model"] as? String == "seedance-1.5-pro")
        #expect(body["prompt"] as? String == "A cat \"playing\" piano")
        #expect(body["image_urls"] as? [String] == ["https://i.example/a.png"])
        #expect(body["duration"] as? Int == 8)
        #expect(body["quality"] as? String == "1080p")
        #expect(body["aspect_ratio"] as? String == "9:16")
        #expect(body["generate_audio"] as? Bool == false)
        #expect(body["callback_url"] as? String == Self.callback)

        let defaults = try GenerationRequestInput(prompt: "p").validated(callbackURL: Self.callback).get()
        let plain = try #require(try JSONSerialization.jsonObject(with: Data(defaults.jsonBody())) as? [String: Any])
        #expect(plain["duration"] as? Int == 5 && plain["quality"] as? String == "720p")
        #expect(plain["aspect_ratio"] as? String == "16:9" && plain["generate_audio"] as? Bool == true)
        #expect(plain["image_urls"] == nil, "text to video sends no image_urls")
    }

    @Test("The ledger's copy of the request hides the callback token")
    func ledgerCopyHidesToken() throws {
        let request = try GenerationRequestInput(prompt: "p").validated(callbackURL: Self.callback).get()
        let kept = request.jsonForLedger(token: "tok_0123456789abcdefghij")
        #expect(!kept.contains("tok_0123456789abcdefghij"))
        #expect(kept.contains("https://hooks.example.com/callbacks/<token>"))
    }
}
