// #embed (C23, which clang takes in any C mode) puts the committed files in the binary as they
// are: the OpenAPI document, the pages and their shared script exist once, in their own files.
#include "cwebassets.h"

#pragma clang diagnostic ignored "-Wc23-extensions"

static const char openapi_json[] = {
#embed "../../docs/openapi.json"
    , 0
};

static const char viewer_html[] = {
#embed "viewer.html"
    , 0
};

static const char gallery_html[] = {
#embed "gallery.html"
    , 0
};

static const char overlay_js[] = {
#embed "overlay.js"
    , 0
};

const char *camkit_openapi_json(void) { return openapi_json; }
const char *camkit_viewer_html(void) { return viewer_html; }
const char *camkit_gallery_html(void) { return gallery_html; }
const char *camkit_overlay_js(void) { return overlay_js; }
