"""Time on the wire."""

UnixTimestampNs = int  # a Unix timestamp in nanoseconds
