package xtenant.access

consent_prompt := true
