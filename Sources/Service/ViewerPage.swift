import CServiceAssets

/// The page at `/`: pick or drop a photo, see its overlay, switch class, method, layer and
/// colormap, move alpha and threshold. Plain HTML, CSS and JavaScript
/// (`Sources/CServiceAssets/viewer.html`, compiled into the binary: no build step, no CDN, no
/// file beside the binary); every change asks the service again (`POST /v1/explain`).
enum ViewerPage {
    static let html = String(cString: camkit_viewer_html())
}

/// The service's contract, `docs/openapi.json`, compiled into the binary and served as it is
/// committed.
enum OpenAPIDocument {
    static let json = String(cString: camkit_openapi_json())
}
