package xtenant.access

cloud_reasons := set()
