"""A web chat for live streams: a Flask backend (``app.py``) on ``chat_backend``, and a page on the
official IVS Chat messaging SDK (``page/``). Nothing in it knows fake-ivschat."""
