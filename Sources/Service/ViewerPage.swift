import CServiceAssets

/// The page at `/`: pick or drop a photo, see its overlay, switch class, method, layer and
/// colormap, move alpha and threshold, hover for the map's value. Plain HTML, CSS and JavaScript
/// (`Sources/CServiceAssets/viewer.html`, compiled into the binary: no build step, no CDN, no
/// file beside the binary). A photo, method or layer asks the service once (`POST /v1/explain`,
/// JSON: the top-5 maps and the photo's geometry); the page draws the overlays itself with the
/// tables of `GET /v1/colormaps`, so class, colormap, alpha, threshold and box cost no request.
enum ViewerPage {
    static let html = String(cString: camkit_viewer_html())
}

/// The service's contract, `docs/openapi.json`, compiled into the binary and served as it is
/// committed.
enum OpenAPIDocument {
    static let json = String(cString: camkit_openapi_json())
}
