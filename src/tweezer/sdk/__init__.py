"""The Tweezer SDK: a client for Tweezer servers and Pasqal Cloud Services.

Import its names from `tweezer`; the modules here are `client` (the SDK class), `models`,
`filters`, `auth`, `endpoints`, `configuration`, `transport` (HTTP), `api` (the endpoints) and
`wait` (long-poll waiting).
"""
