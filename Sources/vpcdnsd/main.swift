// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

VPCDNSD.main()
