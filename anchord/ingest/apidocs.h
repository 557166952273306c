/* apidocs.h -- the API description `anchord serve` answers with: docs/openapi.yaml at
 * GET /openapi.yaml and docs/schemas/NAME.json at GET /schemas/NAME.json (docs/api.md).
 * The files are compiled in by scripts/embed.sh (the table below lives in the generated
 * $(BUILD)/gen/apidocs_data.c), never read from a path at run time. */
#ifndef WA_APIDOCS_H
#define WA_APIDOCS_H
#include <stddef.h>

typedef struct apiDoc {
    const char *url;                 /* "/openapi.yaml", "/schemas/event.json" */
    const char *type;                /* its Content-Type */
    const unsigned char *data;       /* the file's bytes (NUL after the last) */
    size_t len;
} apiDoc;

extern const apiDoc apiDocsTable[];
extern const size_t apiDocsCount;

/* apiDocFind: the document served at url, or NULL when there is none. */
const apiDoc *apiDocFind(const char *url);

#endif
