"""Personal-data protection: field encryption, blind indexes, masking, the access log.

This package is the bottom layer: every other package may use it, it uses none of them.
"""
