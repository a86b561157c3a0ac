// The header is the target.
