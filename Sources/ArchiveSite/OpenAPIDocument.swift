/// docs/openapi.json, embedded so that the binary serves it without a resource bundle.
/// Written by scripts/embed-openapi.py; OpenAPIDocumentTests checks it equals the file.
enum OpenAPIDocument {
    static let text = #"""
{}
"""#
}
