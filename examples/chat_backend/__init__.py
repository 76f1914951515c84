"""A small chat backend for live streams on Amazon IVS Chat: the code the examples' tests test.

It knows nothing of fake-ivschat: it uses boto3 exactly as it would in production.
"""
