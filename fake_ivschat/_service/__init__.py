"""What AWS would run: the model, validation, state per account and region, messaging, chat logs.
Nothing here knows how a request arrived (that is ``_transport``); it imports no module above it
but the leaves ``_records`` and ``_hints``."""
