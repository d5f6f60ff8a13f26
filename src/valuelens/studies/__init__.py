"""The studies: each gathers answers through runner/ and returns a typed result."""
