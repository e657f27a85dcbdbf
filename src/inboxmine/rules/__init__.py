"""Rules and weights as data: YAML files shipped in this package, extendable by users."""
