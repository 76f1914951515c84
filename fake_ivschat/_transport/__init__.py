"""How requests reach the service: the rest-json codec, the in-process botocore binding and
routing, the call path from a request to the service and back, and injected faults. It holds no
service state, and imports only ``_service`` and the leaf ``_records``."""
