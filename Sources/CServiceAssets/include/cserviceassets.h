#ifndef CSERVICEASSETS_H
#define CSERVICEASSETS_H
// cam serve's text files, compiled into the binary so that it needs nothing beside it.

/// docs/openapi.json, NUL-terminated.
const char *camkit_openapi_json(void);
/// The viewer page (viewer.html beside this target's source), NUL-terminated.
const char *camkit_viewer_html(void);

#endif
