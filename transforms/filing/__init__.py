"""Filing: the writers (single submission, Hong Kong filing, Mainland messages), the ledger of
versions and events, delivery to the Single Window client, responses and receipts, quarantine.
"""
