"""What AWS would run: the model, validation, state per account and region, messaging, chat logs.

Nothing here knows how a request arrived (see ``_transport``); it imports no module above it.
"""
