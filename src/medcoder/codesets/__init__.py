"""Official code sets and edit tables, versioned by release and queried by date of service."""
