/* cmd_run.c -- `anchord run`: one anchoring batch (placeholder until the pipeline lands). */
#include <stdio.h>
#include "anchord/cmd.h"

int cmdRun(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "anchord run: the batch pipeline is not built yet\n");
    return 1;
}
