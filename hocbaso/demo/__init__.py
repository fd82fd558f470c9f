"""The demo province: deterministic made-up data for trying and testing Học bạ số.

It sits above every domain app (it seeds them all) and is never imported by them.
"""
