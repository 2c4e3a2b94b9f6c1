"""The lab: disposable sandbox engines (Docker-in-Docker), their TLS material, and the hand-made Engine API client."""
