"""The governed query gateway: parse -> resolve -> rewrite -> execute.

``access.gateway.engine.run_query`` is the entry point for the API, the UI, previews and
exports; the steps are small modules so each can be tested on its own.
"""
