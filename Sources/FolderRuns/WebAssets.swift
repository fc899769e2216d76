import CWebAssets

/// The web pages compiled into the binary (`Sources/CWebAssets`): cam serve's viewer, the folder
/// viewer written as index.html, and the OpenAPI document. Both pages draw overlays with the
/// same script, overlay.js, put in each page where it says `<!-- camkit:overlay.js -->`, so that
/// a page is one file (no second request, no file beside index.html).
public enum WebAssets {
    /// cam serve's page at `/`: pick or drop a photo, switch class, method, layer and colormap,
    /// move alpha and threshold, hover for the map's value.
    public static let viewerPage = withOverlayScript(String(cString: camkit_viewer_html()))

    /// The service's contract, `docs/openapi.json`, as it is committed.
    public static let openAPIDocument = String(cString: camkit_openapi_json())

    /// The folder viewer's page around its run's data (a JSON object, see `FolderViewer`).
    static func folderViewerPage(runJSON: String) -> String {
        // Inside <script>, "</" would end the element: JSON may write "<" as \u003c anywhere it
        // can occur (only within strings).
        let data = runJSON.replacingOccurrences(of: "<", with: "\\u003c")
        return withOverlayScript(String(cString: camkit_gallery_html()))
            .replacingOccurrences(of: "<!-- camkit:run -->", with: "<script id=\"run\" type=\"application/json\">" + data + "</script>")
    }

    static func withOverlayScript(_ page: String) -> String {
        page.replacingOccurrences(of: "<!-- camkit:overlay.js -->", with: "<script>\n" + String(cString: camkit_overlay_js()) + "</script>")
    }
}
