"""Read-only REST API of the price catalogs (public versions) and an organization's overlay."""
