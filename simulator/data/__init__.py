"""The trade-flow table: its columns, reading, checking, and imports from Comtrade and BACI."""
