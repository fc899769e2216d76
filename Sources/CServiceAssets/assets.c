// #embed (C23, which clang takes in any C mode) puts the committed files in the binary as they
// are: the OpenAPI document and the page exist once, in their own files.
#include "cserviceassets.h"

#pragma clang diagnostic ignored "-Wc23-extensions"

static const char openapi_json[] = {
#embed "../../docs/openapi.json"
    , 0
};

static const char viewer_html[] = {
#embed "viewer.html"
    , 0
};

const char *camkit_openapi_json(void) { return openapi_json; }
const char *camkit_viewer_html(void) { return viewer_html; }
