package xtenant.access

invitation_reasons := set()
