// Everything is in the header (static inline, so Swift inlines it); SwiftPM needs one source file per C target.
#include "CSpectralSIMD.h"
