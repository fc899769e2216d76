#ifndef CWEBASSETS_H
#define CWEBASSETS_H
// The web pages' files (cam serve's viewer, the folder viewer of `cam explain --html
// --save-raw`, the OpenAPI document), compiled into the binary so that it needs nothing beside it.

/// docs/openapi.json, NUL-terminated.
const char *camkit_openapi_json(void);
/// cam serve's page (viewer.html beside this target's source), NUL-terminated.
const char *camkit_viewer_html(void);
/// The folder viewer page (gallery.html), NUL-terminated.
const char *camkit_gallery_html(void);
/// The drawing both pages share (overlay.js): camkit's upsampling and blending in the page.
const char *camkit_overlay_js(void);

#endif
