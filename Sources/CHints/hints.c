// SPDX-License-Identifier: Apache-2.0
// The hints are all inline in the header; SwiftPM wants a source file for a C target.
#include "vpcdns_hints.h"
