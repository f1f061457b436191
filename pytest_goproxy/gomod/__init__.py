"""Go module semantics, pure and fast: escaping, checks, semver, zips, dirhash, txtar, sources."""
