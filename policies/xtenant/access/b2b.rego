package xtenant.access

home_outbound_reasons := set()

resource_inbound_reasons := set()
