"""The SDK's client. `KognicIOClient` is `annobatch.Client` under the official client's name, so
that `import kognic.io.client as IOC; IOC.KognicIOClient(...)` moves by changing the import."""

from annobatch.client._client import Client

KognicIOClient = Client

__all__ = ["Client", "KognicIOClient"]
