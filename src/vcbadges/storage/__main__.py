"""``python -m vcbadges.storage upgrade|downgrade|current|heads|revision`` (see migrate.py)."""

from vcbadges.storage.migrate import main

main()
