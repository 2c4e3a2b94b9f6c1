"""Chapter 5: app tests, continuous integration (Buildbot), PaaS on Swarm, S2I, Glance, polling."""
