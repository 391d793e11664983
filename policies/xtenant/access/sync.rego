package xtenant.access

sync_reasons := set()
