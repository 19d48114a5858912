"""The resident bot's dialogue, independent of LINE and Messenger: events in, replies out."""
