/* registry_code.h -- the compiled WitnessAnchorRegistry (see contracts/build.sh). */
#ifndef WA_REGISTRY_CODE_H
#define WA_REGISTRY_CODE_H

/* Init (creation) bytecode as lowercase hex without 0x, as forge compiled it. */
extern const char registryInitCodeHex[];

#endif
