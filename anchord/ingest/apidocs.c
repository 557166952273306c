/* apidocs.c -- lookup in the embedded API description (apidocs.h). */
#include <string.h>
#include "anchord/ingest/apidocs.h"

const apiDoc *apiDocFind(const char *url) {
    for (size_t i = 0; i < apiDocsCount; i++)
        if (!strcmp(apiDocsTable[i].url, url)) return &apiDocsTable[i];
    return NULL;
}
