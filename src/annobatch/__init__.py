"""annobatch: the SDK."""
