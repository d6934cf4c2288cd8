"""Kept where the official client has its resources' helpers (`kognic.io.resources…`), for the
one a user builds: `FileData`."""
