"""History's exceptions, apart from the store so that importing them does not load sqlite3."""


class HistoryError(Exception):
    """The history database cannot be used as it is; the message names the file and the way out."""


class HistoryUnavailable(Exception):
    """The database cannot be read right now (e.g. the data directory could not be created)."""
