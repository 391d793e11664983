package xtenant.access

tenant_restrictions_reasons := set()
