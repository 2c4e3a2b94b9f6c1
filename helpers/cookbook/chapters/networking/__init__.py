"""Chapter 4: networks, data (volumes, registries), WordPress, flannel."""
